"""Files and conversations the messaging tests share."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from messaging.services.conversations import conversation_start


def jpeg_with_gps(name="label.jpg") -> SimpleUploadedFile:
    """A JPEG photo carrying EXIF metadata (a camera and a GPS block), as phones write."""
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPSInfo
    out = BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name="shot.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name="letter.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def start(patient, *, by=None, body="The pharmacy sent 4.5 mg capsules", **kwargs):
    return conversation_start(
        patient=patient,
        started_by=by or patient.user,
        subject=kwargs.pop("subject", "Wrong capsules"),
        topic=kwargs.pop("topic", "medications"),
        body=body,
        **kwargs,
    )
