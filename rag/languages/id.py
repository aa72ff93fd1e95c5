"""Indonesian."""

from rag.languages.base import Language

_DAYS = "senin|selasa|rabu|kamis|jumat|sabtu"

LANGUAGE = Language(
    code="id",
    name="Indonesian",
    order=2,
    stopwords=frozenset("""
yang dan di ke dari ini itu dengan untuk pada adalah dalam tidak akan oleh sebagai juga atau ada
bahwa telah sudah karena mereka kami kita ia dia saya apa siapa mengapa kenapa bagaimana kapan mana
berapa apakah para se tersebut bisa dapat lebih hanya masih saat namun tentang kata
""".split()) | {"di mana"},
    not_names=frozenset("Apa Siapa Mengapa Kenapa Bagaimana Di Yang".split()),
    question_words=("apa", "apakah", "siapa", "mengapa", "kenapa", "bagaimana", "kapan", "di mana", "berapa",
                    "sebutkan"),
    recent_words=("baru-baru ini", "terbaru", "terkini", "saat ini", "sekarang", "belakangan ini"),
    money_questions=(
        r"berapa(?=[^.?!]*\b(?:biaya\w*|harga\w*|denda\w*|dibayar\w*|membayar\w*|bayar\w*|dolar|uang|dana|"
        r"menghabiskan|investasi|rupiah|euro|ganti rugi|tebusan|jaminan|gaji|anggaran)\b)",
        "(?:harga|biaya|denda) berapa",
    ),
    money_words=("dolar", "euro", "rupiah", "yen", "yuan", "poundsterling", "ringgit"),
    reason_questions=("mengapa", "kenapa", "apa alasan"),
    reason_cues=(
        "karena", "sebagai balasan", "membalas", "balasan", "setelah", "akibat", "sebagai tanggapan",
        "menanggapi", "merespons",
        "disebabkan", "sebab", "lantaran", "alasan", "dipicu", "menyusul", "imbas", "demi",
        "agar", "supaya", "untuk mencegah", "sebagai (?:bentuk )?protes",
    ),
    reason_clauses=(
        r"karena", r"sebagai (?:balasan|tanggapan|respons|pembalasan) (?:atas|terhadap)", r"untuk membalas",
        r"membalas", r"akibat", r"disebabkan(?: oleh)?", r"lantaran", r"sebab", r"dengan alasan", r"demi",
        r"untuk (?:menghukum|memprotes|mencegah|melindungi)",
    ),
    clause_openers=("yang", "di mana", "sementara", "tetapi", "namun", "kata", "ujar"),
    negations=("tidak", "bukan", "tak", "belum"),
    furniture=(
        r"baca (?:juga|selengkapnya|berita lainnya)\b", r"simak (?:juga|selengkapnya|video)\b", r"berlangganan\b",
        r"daftar(?:kan diri)? (?:untuk|ke) (?:newsletter|buletin)", r"klik (?:di sini|disini)",
        r"ikuti (?:kami|berita)\b[^.]{0,40}\b(?:di|google news|whatsapp|telegram)",
        r"bagikan (?:artikel|berita) ini", r"dapatkan (?:update |informasi )?berita",
        r"terjadi kesalahan\W+silakan coba lagi", r"silakan coba (?:lagi )?nanti", r"iklan$",
        r"kami menggunakan cookie", r"(?:video|foto|tonton)\s?:\s",
    ),
    instructions=(
        r"abaikan (?:semua )?(?:instruksi|perintah) (?:sebelumnya|di atas)",
        r"(?:catatan|pesan|instruksi) (?:untuk|kepada) (?:asisten|ai|kecerdasan buatan|chatbot|model bahasa)",
        r"(?:katakan|beri ?tahu|sampaikan) (?:kepada )?(?:pembaca|pengguna) bahwa",
        r"sebagai (?:ai|kecerdasan buatan|asisten ai)\b",
    ),
    weekdays=("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", ""),
    months=("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
            "November", "Desember"),
    relative_dates={
        "today": ("hari ini", "pagi ini", "siang ini", "sore ini", "malam ini", "tadi pagi", "tadi siang"),
        "yesterday": ("kemarin", "tadi malam"),  # not "semalam": also "for one night"
        "last_week": ("minggu lalu", "pekan lalu"),
        "this_week": ("minggu ini", "pekan ini"),
        "weekday": (rf"(hari )?({_DAYS})", "hari minggu"),
        "this_month": ("bulan ini",),
        "this_year": ("tahun ini",),
        "last_month": ("bulan (lalu|kemarin)",),
        "last_year": ("tahun (lalu|kemarin)",),
    },
    number_words={"se": 1, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
                  "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "dua belas": 12, "beberapa": 0},
    period_units={"hour": "jam", "day": "hari", "week": "minggu|pekan", "month": "bulan", "year": "tahun"},
    numbered_periods={"past": (r"{n} ?{unit} (?:terakhir|belakangan)",), "ago": (r"{n} ?{unit} (?:yang )?lalu",)},
    connectives=("dan", "juga", "lalu", "terus", "tapi", "tetapi", "kalau", "bagaimana dengan", "selain itu"),
    strong_pronouns=frozenset("dia mereka beliau tersebut".split()),
    weak_pronouns=frozenset("itu ini".split()),
    not_referring=(r"\b(?:hari|minggu|pekan|bulan|tahun|pagi|malam|saat)\s+ini\b",),
    # "rumahnya" (his house) points back; "hanya" (only) merely ends the same way.
    pronoun_suffixes=("nya",),
    suffix_exceptions=frozenset("hanya punya tanya bertanya menanya bernyanyi nyanya".split()),
    dont_know=(r"\btidak (?:tahu|diketahui|disebutkan|dijelaskan|ada informasi)\b", r"\bsaya tidak (?:tahu|yakin)\b",
               r"\bbelum (?:diketahui|jelas)\b"),
    replies={
        "abstain": "Arsip tidak memuat hal ini: tidak ada artikel yang menjawab pertanyaan tersebut.",
        "out_of_window": "Tidak ada artikel di arsip yang terbit antara {start} dan {end} yang menjawab "
                         "pertanyaan ini. {older}",
        "older_listed": "Bagian di bawah ini {when}: tanyakan lagi tanpa \u201c{phrase}\u201d untuk mendapat "
                        "jawaban darinya.",
        "older_when": "lebih lama (terbaru {latest})",
        "other_when": "dari tanggal lain (terbaru {latest})",
        "quoting": "Tidak ada kalimat jawaban yang dapat diverifikasi dengan sumber; berikut kalimat sumber "
                   "yang paling dekat:",
        "no_reason": "Sumber yang ditemukan menggambarkan peristiwanya, tetapi tidak ada kalimatnya "
                     "yang secara tegas menyebut alasannya; berikut yang terdekat.",
        "quoted_original": "Dikutip dalam bahasa sumbernya: model lokal belum cukup andal menerjemahkan ke "
                           "bahasa Indonesia.",
        "older_answer": "Tidak ada terbitan antara {start} dan {end} yang menjawabnya; liputan yang lebih "
                        "lama (hingga {latest}; tanggal tiap sumber tercantum) menyebutkan:",
        "stale": "Sumber terbaru yang dikutip berasal dari {latest}, {days} hari sebelum {today}:",
        "other_answer": "Tidak ada terbitan antara {start} dan {end} yang menjawabnya; liputan dari tanggal "
                        "lain (hingga {latest}; tanggal tiap sumber tercantum) menyebutkan:",
        "undated": "tanpa tanggal",
        "lookup_unmatched": "Tidak ada kalimat di arsip yang cukup mirip untuk menjadi sumber kalimat ini; "
                            "bagian terdekat tercantum sebagai sumber.",
        "unmentioned_closest": "Kalimat yang paling mendekati jawaban berasal dari bagian yang tidak menyebut "
                               "{names}: kalimat itu mungkin membahas hal lain. Bagian yang ditemukan tercantum "
                               "sebagai sumber.",
        "no_amount": "Bagian yang paling mendekati jawaban tidak menyebut jumlah uang: arsip tampaknya tidak "
                     "memuat berapa. Bagian yang ditemukan tercantum sebagai sumber.",
        "unmentioned": "Tidak ada bagian yang ditemukan yang menyebut {names}: arsip tampaknya tidak memuat hal "
                       "ini. Bagian terdekat tercantum sebagai sumber.",
        "example_question": "Apa isi berita tentang “{}”?",
    },
)
