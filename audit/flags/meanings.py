"""What each red-flag rule means, in Bahasa Indonesia, for the flag's page.

A rule's docstring explains it to developers (in English, like all code) and feeds
docs/audit-flags.md; the Inspektorat and the camat read this text instead.
"""

MEANINGS: dict[str, str] = {
    "price_above_reference": (
        "Baris Surat Pesanan dengan harga satuan di atas harga acuan tahun itu, melebihi batas "
        "yang berlaku.\n\n"
        "Satu tanda per toko, kecamatan dan tahun: berapa baris, persentase tertinggi di atas "
        "harga acuan, dan kelebihan yang dibayar (harga satuan dikurangi harga acuan, dikali "
        "jumlah) untuk semua baris itu. Batasnya adalah aturan pengadaan tahun itu (yang "
        "meminta alasan tertulis di layar Surat Pesanan), kecuali ambang audit menetapkan "
        "sendiri. Baris yang punya alasan tertulis tetap dihitung: alasannya untuk dinilai "
        "auditor."
    ),
    "shop_dominance": (
        "Satu toko menguasai sebagian besar belanja satu kecamatan dalam setahun.\n\n"
        "Belanja dihitung dari Surat Pesanan yang diterbitkan per toko, kecamatan (lokasi) dan "
        "tahun. Tanda muncul bila bagian toko terbesar melebihi ambang tahun itu, atau indeks "
        "Herfindahl-Hirschman (jumlah kuadrat persentase bagian setiap toko; 10.000 bila hanya "
        "satu toko) melebihi ambangnya. Kecamatan dengan belanja di bawah batas minimum tahun "
        "itu tidak dinilai."
    ),
    "shops_sharing_identity": (
        "Dua toko atau lebih memakai nomor telepon, alamat, rekening bank atau NPWP yang sama."
        "\n\n"
        "Setiap data dibandingkan setelah cara penulisannya diseragamkan (telepon hanya angka "
        "dengan +62 dibaca 0, alamat huruf kecil tanpa tanda baca dengan Jl./Gg. ditulis "
        "lengkap, rekening dan NPWP hanya angka). Toko yang berbagi data ini bisa jadi satu "
        "pemilik yang bersaing dengan dirinya sendiri. Toko yang tidak aktif ikut dihitung."
    ),
    "orders_split": (
        "Beberapa Surat Pesanan untuk satu lokasi, atau ke satu toko dari satu kelurahan, "
        "dalam beberapa hari: masing-masing di bawah batas, bersama-sama melewatinya.\n\n"
        "Pesanan dikelompokkan per lokasi, dan per toko dan kelurahan pembeli; pesanan yang "
        "terbit paling lama sejumlah hari tahun itu setelah yang pertama, masing-masing di "
        "bawah batas tahun itu dan jumlahnya mencapai batas, menjadi satu tanda."
    ),
    "outside_kelurahan": (
        "Titik lokasi, atau GPS salah satu foto kemajuannya, berada di luar batas kelurahan "
        "lokasi itu.\n\n"
        "Batas wilayah adalah batas resmi yang dimuat ke aplikasi; kelurahan tanpa batas "
        "tersimpan tidak dinilai. Satu tanda per lokasi, dengan titik-titik yang di luar."
    ),
    "photo_far_from_site": (
        "Foto kemajuan dengan GPS lebih jauh dari titik lokasi daripada jarak yang ditetapkan "
        "untuk tahun itu.\n\n"
        "Lokasi tanpa titik dan foto tanpa GPS tidak dinilai. Satu tanda per lokasi, dengan "
        "daftar fotonya."
    ),
    "photo_reused": (
        "Foto yang sama atau hampir sama dipakai di dua lokasi, juga antartahun.\n\n"
        "Kemiripan dinilai dari sidik foto yang disimpan saat foto diunggah: sidik yang sama "
        "di lokasi berbeda, dan foto yang hampir sama yang ditemukan pemeriksaan foto. Lokasi "
        "foto yang lebih baru menjadi subjek tanda; foto yang lebih dulu ditautkan sebagai "
        "aslinya."
    ),
    "photo_before_decree": (
        "Foto kemajuan yang waktu pengambilannya (EXIF) sebelum tanggal lokasi pertama kali "
        "ditetapkan dengan SK Camat: pekerjaan tidak mungkin difoto sebelum diputuskan (untuk "
        "foto 0% bisa jadi foto lama yang dipakai lagi)."
    ),
    "completion_too_fast": (
        "Lokasi yang dilaporkan selesai dengan hari orang kerja per satuan volume di bawah "
        "batas tahun itu untuk jenis pekerjaannya.\n\n"
        "Hari orang kerja = peserta hari kerja dikali jam, dibagi 8 jam; volumenya volume "
        "terealisasi dalam laporan penyelesaian (volume rencana bila tidak ditulis). Angka "
        "yang sangat rendah berarti pekerjaan tercatat dikerjakan oleh jauh lebih sedikit "
        "tangan daripada yang dibutuhkan, atau tidak semua hari kerja dicatat."
    ),
    "few_participants": (
        "Lokasi yang dilaporkan dengan anggaran sedikitnya jumlah tahun itu, tetapi hari kerja "
        "tersibuknya diikuti lebih sedikit peserta daripada batas minimum tahun itu: gotong "
        "royong sebesar itu butuh lebih banyak tangan (program menghitung sekitar 30 orang per "
        "pekerjaan)."
    ),
    "rt_funded_repeatedly": (
        "RT yang didanai dalam sedikitnya sejumlah tahun menurut ambang, sementara sedikitnya "
        "bagian RT menurut ambang di kelurahannya belum pernah didanai.\n\n"
        "Tahun didanai adalah tahun usulan RT itu ditetapkan (tahap mana pun dari penetapan "
        "sampai selesai). Ambang dibaca untuk tahun terakhir RT itu didanai; seluruh riwayat "
        "dinilai, tidak dibatasi saringan tahun."
    ),
    "amendment_after_order": (
        "Perubahan lokasi yang sudah ditetapkan (tempat, volume atau anggaran) dibuat setelah "
        "Surat Pesanan pertamanya terbit: material dipesan untuk lokasi yang kemudian berubah."
    ),
    "delivery_after_payment": (
        "Penerimaan barang suatu pesanan bertanggal setelah pembayaran pertama pesanan itu: "
        "toko dibayar sebelum (semua) material tiba."
    ),
    "payment_before_bast": (
        "Pembayaran bertanggal sebelum BAST lokasi (serah terima material), atau pembayaran "
        "untuk lokasi yang sama sekali belum mempunyai BAST."
    ),
    "support_burst": (
        "Banyak dukungan warga untuk satu usulan Musrenbang dalam beberapa menit: sedikitnya "
        "jumlah tahun itu dalam jumlah menit tahun itu (tahun usulannya)."
    ),
    "support_other_area": (
        "Dukungan warga untuk satu usulan Musrenbang dari NIK yang diterbitkan di luar "
        "kecamatan usulan (kode wilayah NIK, enam angka pertamanya, berbeda dengan kode "
        "kecamatan) atau di luar Kota Jambi.\n\n"
        "Tanda muncul per usulan bila jumlah dukungan itu mencapai batas tahun itu, atau "
        "bagiannya dari dukungan yang berkode wilayah mencapai batas bagian (hanya untuk "
        "usulan dengan cukup banyak dukungan berkode). Dukungan yang dicatat sebelum kode "
        "wilayah disimpan tidak ikut dihitung dan ditampilkan terpisah. NIK tidak pernah "
        "berubah: warga yang pindah tetap membawa kode tempat NIK-nya diterbitkan."
    ),
    "usulan_burst": (
        "Usulan warga (dikirim daring di /usul/) datang serentak dari satu sumber: sedikitnya "
        "jumlah tahun itu dalam jumlah menit tahun itu untuk satu RT, atau dari satu pengusul "
        "(NIK yang sama). Batas formulir per NIK dan per alamat memperlambat pengirim; tanda "
        "ini menemukan yang tetap lolos, misalnya banyak NIK diketik untuk satu RT dalam "
        "beberapa menit."
    ),
}
