"""The legal wording of a year's SK Camat: the default text and the year's template."""

from django.db import IntegrityError, transaction

from bangkit.models import FiscalYear
from verification.models import DecreeTemplate

DEFAULT_MENIMBANG = "\n".join(
    [
        (
            "bahwa dalam rangka mempercepat pembangunan sarana dan prasarana lingkungan "
            "permukiman di tingkat Rukun Tetangga melalui pemberdayaan masyarakat dan semangat "
            "gotong-royong, Pemerintah Kota Jambi melaksanakan Program Bangun Kelurahan Secara "
            "Intensif dan Terpadu yang Berazaskan Swadaya Masyarakat (Bangkit Berdaya);"
        ),
        (
            "bahwa usulan kegiatan Rukun Tetangga di wilayah Kecamatan {kecamatan} telah "
            "diverifikasi oleh Lurah dan Camat, dinyatakan memenuhi persyaratan, dan tidak "
            "melebihi pagu anggaran Program Bangkit Berdaya Tahun Anggaran {year};"
        ),
        (
            "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, perlu"
            " menetapkan Keputusan Camat {kecamatan} tentang Penetapan Lokasi Kegiatan Bangkit "
            "Berdaya Tahun {year};"
        ),
    ]
)

DEFAULT_MENGINGAT = "\n".join(
    [
        (
            "Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah (Lembaran Negara "
            "Republik Indonesia Tahun 2014 Nomor 244, Tambahan Lembaran Negara Republik Indonesia"
            " Nomor 5587) sebagaimana telah beberapa kali diubah, terakhir dengan Undang-Undang "
            "Nomor 6 Tahun 2023 tentang Penetapan Peraturan Pemerintah Pengganti Undang-Undang "
            "Nomor 2 Tahun 2022 tentang Cipta Kerja menjadi Undang-Undang;"
        ),
        "Peraturan Pemerintah Nomor 17 Tahun 2018 tentang Kecamatan;",
        "Peraturan Pemerintah Nomor 12 Tahun 2019 tentang Pengelolaan Keuangan Daerah;",
        (
            "Peraturan Wali Kota Jambi Nomor 45 Tahun 2014 tentang Pedoman Pelaksanaan Program "
            "Bangun Kelurahan Secara Intensif dan Terpadu yang Berazaskan Swadaya Masyarakat "
            "(Bangkit Berdaya) sebagaimana telah diubah dengan Peraturan Wali Kota Jambi Nomor 18"
            " Tahun 2015, Peraturan Wali Kota Jambi Nomor 22 Tahun 2015, Peraturan Wali Kota "
            "Jambi Nomor 42 Tahun 2015, Peraturan Wali Kota Jambi Nomor 21 Tahun 2017, dan "
            "terakhir dengan Peraturan Wali Kota Jambi Nomor 5 Tahun 2020 tentang Perubahan "
            "Kelima atas Peraturan Wali Kota Jambi Nomor 45 Tahun 2014;"
        ),
        (
            "Peraturan Daerah Kota Jambi tentang Anggaran Pendapatan dan Belanja Daerah Kota "
            "Jambi Tahun Anggaran {year};"
        ),
        (
            "Peraturan Wali Kota Jambi tentang Penjabaran Anggaran Pendapatan dan Belanja Daerah "
            "Kota Jambi Tahun Anggaran {year};"
        ),
    ]
)

DEFAULT_CLAUSES = "\n".join(
    [
        (
            "Menetapkan lokasi kegiatan Program Bangkit Berdaya di Kecamatan {kecamatan} Tahun "
            "Anggaran {year} sebanyak {count} lokasi dengan nilai seluruhnya {total}, sebagaimana"
            " tercantum dalam Lampiran yang merupakan bagian tidak terpisahkan dari Keputusan "
            "ini."
        ),
        (
            "Bantuan sebagaimana dimaksud dalam Diktum KESATU diberikan dalam bentuk bahan "
            "bangunan, bukan uang, dan pekerjaan dilaksanakan secara gotong-royong oleh "
            "masyarakat Rukun Tetangga penerima dengan swadaya masyarakat."
        ),
        (
            "Lurah selaku Kuasa Pengguna Anggaran melaksanakan pengadaan dan serah terima bahan "
            "bangunan, mengawasi pelaksanaan pekerjaan, dan menyampaikan laporan "
            "pertanggungjawaban kepada Camat {kecamatan}."
        ),
        (
            "Perubahan lokasi, volume atau nilai kegiatan setelah Keputusan ini ditetapkan "
            "dicatat beserta alasannya dan diumumkan kepada masyarakat."
        ),
        (
            "Segala biaya yang timbul akibat ditetapkannya Keputusan ini dibebankan pada Anggaran"
            " Pendapatan dan Belanja Daerah Kota Jambi Tahun Anggaran {year}."
        ),
        "Keputusan ini mulai berlaku pada tanggal ditetapkan.",
    ]
)

DEFAULT_TEMBUSAN = "\n".join(
    [
        "Yth. Wali Kota Jambi (sebagai laporan);",
        "Yth. Sekretaris Daerah Kota Jambi;",
        "Yth. Kepala Badan Perencanaan Pembangunan Daerah Kota Jambi;",
        "Yth. Inspektur Kota Jambi;",
        "Yth. Kepala Badan Pengelolaan Keuangan dan Aset Daerah Kota Jambi;",
        "Yth. Lurah se-Kecamatan {kecamatan};",
        "Arsip.",
    ]
)


def decree_template_for(fiscal_year: FiscalYear) -> DecreeTemplate:
    """The year's wording; a default one is created the first time a year needs it."""
    template = DecreeTemplate.objects.filter(fiscal_year=fiscal_year).first()
    if template is not None:
        return template
    try:
        with transaction.atomic():
            return DecreeTemplate.objects.create(
                fiscal_year=fiscal_year,
                menimbang=DEFAULT_MENIMBANG,
                mengingat=_default_mengingat(fiscal_year),
                clauses=DEFAULT_CLAUSES,
                tembusan=DEFAULT_TEMBUSAN,
            )
    except IntegrityError:
        return DecreeTemplate.objects.get(fiscal_year=fiscal_year)


def _default_mengingat(fiscal_year: FiscalYear) -> str:
    regulation = (fiscal_year.regulation or "").strip()
    if not regulation or "45 Tahun 2014" in regulation:
        return DEFAULT_MENGINGAT
    # The year's own rule (e.g. a later Perwal) goes before the APBD, after the programme's.
    items = DEFAULT_MENGINGAT.splitlines()
    items.insert(4, regulation.rstrip(";") + ";")
    return "\n".join(items)
