"""Pure clinical rules for patients: plain values in, decisions out (no ORM, no clock)."""
