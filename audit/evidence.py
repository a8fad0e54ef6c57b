"""A site's evidence pack for a field audit: one ZIP with its decree, orders and Surat Pesanan,
deliveries, BAST, payments, photos (originals) with their EXIF summary and warnings, the
completion report, the LPJ and the site's whole trail, listed in an index.

Stored files go in byte for byte (the decree and BAST as issued, the photos as sent); the
Surat Pesanan and the LPJ are rendered by their own apps' PDF builders. Tables are CSV written
by ``bangkit.spreadsheets`` (no cell starts a formula). Nothing is written to the database.
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass

import tablib
from django.template.loader import render_to_string
from django.utils import timezone

from audit.trail import site_trail
from bangkit.spreadsheets import csv_text
from procurement.models import Delivery, DeliveryLine, Handover, Payment, PurchaseOrder
from procurement.pdf import order_pdf
from reporting.models import CompletionReport, ProgressPhoto
from reporting.pdf import lpj_pdf
from verification.models import Decree

# Photos and scans are already compressed: stored as they are.
_STORED = (".jpg", ".jpeg", ".png", ".heic", ".webp", ".pdf", ".zip")


@dataclass
class Member:
    name: str
    what: str
    size: int
    sha256: str


class Pack:
    """The ZIP being written and the index of what it holds."""

    def __init__(self):
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.members: list[Member] = []
        self.missing: list[str] = []

    def add(self, name: str, data: bytes | str, what: str) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8")
        kind = zipfile.ZIP_STORED if name.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
        self.zip.writestr(zipfile.ZipInfo(name, _stamp()), data, compress_type=kind)
        self.members.append(Member(name, what, len(data), hashlib.sha256(data).hexdigest()))

    def add_stored(self, name: str, field_file, what: str) -> None:
        """A stored file as it is kept; one missing from storage is named in the index."""
        if not field_file:
            return
        try:
            with field_file.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, ValueError, OSError):
            self.missing.append(f"{what} ({field_file.name})")
            return
        self.add(name, data, what)

    def close(self, index_html: str) -> bytes:
        self.zip.writestr(zipfile.ZipInfo("index.html", _stamp()), index_html.encode("utf-8"))
        self.zip.close()
        return self.buffer.getvalue()


def _stamp():
    now = timezone.localtime()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in str(text))


def _ext(name: str, default: str = ".bin") -> str:
    tail = name.rsplit(".", 1)
    return f".{tail[1].lower()}" if len(tail) == 2 and len(tail[1]) <= 5 else default


def _table(headers: list[str], rows) -> str:
    dataset = tablib.Dataset(headers=headers)
    for row in rows:
        dataset.append(row)
    return csv_text(dataset)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _actor(user) -> str:
    return user.username if user else ""


def build_evidence_zip(proposal) -> bytes:
    """The site's evidence pack (see the module docstring)."""
    pack = Pack()
    _decrees(pack, proposal)
    orders = list(
        PurchaseOrder.objects.filter(proposal=proposal)
        .select_related("supplier", "proposal__kelurahan__kecamatan", "issued_by", "created_by")
        .order_by("sequence", "pk")
    )
    _orders(pack, orders)
    _deliveries(pack, orders)
    _handover(pack, proposal)
    _payments(pack, orders)
    _photos(pack, proposal)
    _report(pack, proposal)
    _trail(pack, proposal)
    index = render_to_string(
        "audit/evidence_index.html",
        {
            "proposal": proposal,
            "members": pack.members,
            "missing": pack.missing,
            "made_at": timezone.localtime(),
        },
    )
    return pack.close(index)


def _decrees(pack: Pack, proposal) -> None:
    decrees = Decree.objects.filter(locations__proposal=proposal).distinct().order_by("pk")
    for decree in decrees:
        label = decree.number or f"draf-{decree.pk}"
        pack.add_stored(f"1-sk-camat/{_safe(label)}.pdf", decree.pdf, f"SK Camat {label}")


def _orders(pack: Pack, orders) -> None:
    rows = []
    for order in orders:
        label = order.number or f"draf-{order.pk}"
        pack.add(
            f"2-pesanan/surat-pesanan-{_safe(label)}.pdf",
            order_pdf(order),
            f"Surat Pesanan {label} ({order.get_state_display()})",
        )
        for line in order.lines.order_by("position", "pk"):
            rows.append(
                [
                    label,
                    order.get_state_display(),
                    order.supplier.name,
                    line.description,
                    line.unit,
                    line.quantity,
                    line.unit_price,
                    line.line_total,
                    line.reference_price,
                    "ya" if line.flagged else "tidak",
                    line.justification,
                ]
            )
    if orders:
        headers = ["surat pesanan", "status", "toko", "uraian", "satuan", "jumlah"]
        headers += ["harga satuan (Rp)", "jumlah harga (Rp)", "harga acuan (Rp)", "ditandai"]
        headers += ["alasan harga"]
        pack.add("2-pesanan/baris-pesanan.csv", _table(headers, rows), "Baris pesanan (CSV)")


def _deliveries(pack: Pack, orders) -> None:
    deliveries = list(
        Delivery.objects.filter(order__in=orders).select_related("order", "recorded_by")
    )
    if not deliveries:
        return
    lines = DeliveryLine.objects.filter(delivery__in=deliveries).select_related(
        "delivery__order", "order_line"
    )
    rows = [
        [
            line.delivery.order.number,
            line.delivery.delivered_on,
            line.delivery.received_by_name,
            line.order_line.description,
            line.order_line.unit,
            line.quantity,
            line.rejected_quantity,
            line.delivery.note,
        ]
        for line in lines.order_by("delivery__delivered_on", "pk")
    ]
    headers = ["surat pesanan", "tanggal diterima", "diterima oleh", "uraian", "satuan"]
    headers += ["jumlah diterima", "jumlah ditolak", "catatan"]
    pack.add("3-penerimaan/penerimaan.csv", _table(headers, rows), "Penerimaan material (CSV)")
    for delivery in deliveries:
        pack.add_stored(
            f"3-penerimaan/foto-{delivery.pk}{_ext(delivery.photo.name, '.jpg')}",
            delivery.photo,
            f"Foto penerimaan {delivery.delivered_on:%d-%m-%Y}",
        )


def _handover(pack: Pack, proposal) -> None:
    handover = Handover.objects.filter(proposal=proposal).first()
    if handover is None:
        return
    pack.add_stored("4-bast/bast.pdf", handover.pdf, "BAST (berkas yang diterbitkan)")
    pack.add_stored(
        f"4-bast/bast-kertas{_ext(handover.paper_scan.name, '.pdf')}",
        handover.paper_scan,
        "BAST kertas (pindaian)",
    )


def _payments(pack: Pack, orders) -> None:
    payments = Payment.objects.filter(order__in=orders).select_related("order", "recorded_by")
    rows = [
        [
            p.order.number,
            p.invoice_number,
            p.amount,
            p.paid_on,
            p.reference,
            _actor(p.recorded_by),
            _when(p.recorded_at),
        ]
        for p in payments
    ]
    if rows:
        headers = ["surat pesanan", "faktur", "jumlah (Rp)", "tanggal bayar", "referensi"]
        headers += ["dicatat oleh", "waktu dicatat"]
        pack.add("5-pembayaran/pembayaran.csv", _table(headers, rows), "Pembayaran (CSV)")


def _photos(pack: Pack, proposal) -> None:
    photos = list(
        ProgressPhoto.objects.filter(proposal=proposal)
        .select_related("uploaded_by")
        .order_by("stage", "taken_at", "pk")
    )
    rows = []
    for photo in photos:
        name = f"6-foto/{photo.stage:03d}-{photo.pk}{_ext(photo.original.name, '.jpg')}"
        pack.add_stored(name, photo.original, f"Foto {photo.stage}% #{photo.pk} (asli)")
        rows.append(
            [
                name,
                photo.stage,
                photo.caption,
                _when(photo.taken_at),
                photo.latitude,
                photo.longitude,
                photo.get_metadata_source_display(),
                "ya" if photo.client_resized else "tidak",
                f"{photo.width}×{photo.height}",
                photo.sha256,
                photo.phash,
                _actor(photo.uploaded_by),
                _when(photo.uploaded_at),
                _when(photo.withdrawn_at),
                "; ".join(f.get("message", f.get("code", "")) for f in photo.flags or []),
            ]
        )
    if rows:
        headers = ["berkas", "tahap (%)", "keterangan", "waktu pengambilan (EXIF)", "lintang"]
        headers += ["bujur", "sumber waktu dan GPS", "diperkecil di ponsel", "ukuran"]
        headers += ["SHA-256", "hash perseptual", "diunggah oleh", "waktu diunggah", "ditarik"]
        headers += ["tanda peringatan"]
        pack.add(
            "6-foto/ringkasan-exif.csv", _table(headers, rows), "Ringkasan EXIF dan tanda foto"
        )


def _report(pack: Pack, proposal) -> None:
    report = CompletionReport.objects.filter(proposal=proposal).first()
    if report is None:
        return
    rows = [
        ["volume terealisasi", report.realised_volume],
        ["kendala", report.problems],
        ["diajukan", _when(report.submitted_at)],
        ["diterima kelurahan", _when(report.accepted_at)],
        ["diketahui camat", _when(report.countersigned_at)],
        ["catatan camat", report.countersign_note],
        ["alasan dikembalikan", report.return_reason],
    ]
    pack.add(
        "7-laporan/laporan-penyelesaian.csv",
        _table(["isian", "nilai"], rows),
        "Laporan penyelesaian",
    )
    pack.add(f"7-laporan/LPJ-{_safe(proposal.code)}.pdf", lpj_pdf(proposal), "LPJ")


def _trail(pack: Pack, proposal) -> None:
    headers = ["waktu", "pelaku", "sumber", "data", "id", "catatan", "tindakan", "perubahan"]
    rows = [
        [
            _when(e.time),
            _actor(e.actor),
            e.source,
            e.model_name,
            e.record_id,
            e.record,
            e.action_label,
            "; ".join(f"{c['field']}: {c['old']} → {c['new']}" for c in e.changes)
            + (f" ({e.note})" if e.note else ""),
        ]
        for e in site_trail(proposal.pk)
    ]
    pack.add("8-jejak/jejak-audit.csv", _table(headers, rows), "Jejak audit lokasi (CSV)")
