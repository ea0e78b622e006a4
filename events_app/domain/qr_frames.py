"""Reading a ticket's QR code from a camera frame: where the browser has no BarcodeDetector (iPhone
Safari, Firefox, Chromium on Linux) the scanner page sends what its camera sees, about twice a
second, and zxing-cpp finds the code in it. Only QR codes are looked for; the code itself is
checked by `checkins` like any other scan.
"""

from __future__ import annotations

import io

from events_app.domain.errors import DomainError
from events_app.i18n import N_

MAX_FRAME_BYTES = 1_500_000  # a phone's frame scaled to 1280 px is a tenth of this as a JPEG
# Checked before the picture is unpacked: the page sends at most 1280 px on the long side, and a
# larger picture (or a decompression bomb) would only cost the door's CPU.
MAX_FRAME_PIXELS = 1920 * 1080
FORMATS = ("JPEG", "PNG", "WEBP")


def read_qr(frame: bytes) -> str:
    """The text of the first QR code in the picture, or "" when there is none."""
    # Imported here: only a door scanner without BarcodeDetector sends frames, and zxing-cpp is
    # megabytes in every web process that never reads one.
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    if len(frame) > MAX_FRAME_BYTES:
        raise DomainError(N_("The picture is too large."), field="frame")
    try:
        with Image.open(io.BytesIO(frame), formats=FORMATS) as picture:
            if picture.width * picture.height > MAX_FRAME_PIXELS:
                raise DomainError(N_("The picture is too large."), field="frame")
            grey = picture.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise DomainError(N_("Send a JPEG or PNG picture."), field="frame") from None
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    return found[0].text if found else ""
