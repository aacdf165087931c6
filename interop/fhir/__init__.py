"""Pure mappings from the portal's records to FHIR R4 resources (fhir.resources' R4B models,
which match R4 for every resource used here). Each module maps one kind of resource; each
function takes rows already read and a `Context`, and returns a model validated on
construction. Codes: docs/clinical-rules.md §9."""
