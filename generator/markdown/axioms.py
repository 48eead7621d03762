"""The Smart Brevity labels, in every language the default theme ships, each mapped to its axiom's key.

The key is the English label's slug (`why-it-matters`): pages carry it as `data-axiom-key`, so CSS, analytics,
`explainer check` and the speakable selectors treat *Por qué importa* and *Why it matters* alike. A label is
recognised in an explainer of any language (a Spanish explainer on an English site needs no setting).
"""
from __future__ import annotations

import re

DEFAULT_AXIOMS = (
    "Why it matters", "The big picture", "Driving the news", "What they're saying",
    "Between the lines", "Yes, but", "By the numbers", "The bottom line", "What's next",
    "Go deeper", "Zoom in", "Zoom out", "Flashback", "Reality check", "State of play",
    "The other side", "Catch up quick", "Details", "Context", "What we're watching", "Of note",
    "The intrigue", "Be smart", "What to watch", "Our thought bubble", "Where it stands",
    "The backstory", "How it works", "What happened", "What's new", "Why now",
)

# key → {language: labels}. French typography puts a (no-break) space before the colon; labels match either way.
TRANSLATIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "why-it-matters": {
        "es": ("Por qué importa", "Por qué es importante"), "fr": ("Pourquoi c'est important",),
        "de": ("Warum das wichtig ist", "Warum es wichtig ist"), "it": ("Perché è importante",),
        "pt": ("Por que importa", "Porque importa", "Por que é importante"), "nl": ("Waarom het ertoe doet",),
        "ar": ("لماذا يهم", "لماذا هذا مهم"), "he": ("למה זה חשוב",), "fa": ("چرا مهم است",),
        "ur": ("یہ کیوں اہم ہے",), "tr": ("Neden önemli",), "ru": ("Почему это важно",),
        "uk": ("Чому це важливо",), "pl": ("Dlaczego to ważne",), "zh": ("为什么重要",),
        "ja": ("なぜ重要か",), "hi": ("यह क्यों मायने रखता है",),
    },
    "the-big-picture": {
        "es": ("El panorama", "El panorama general"), "fr": ("Vue d'ensemble",), "de": ("Das große Bild",),
        "it": ("Il quadro generale",), "pt": ("O panorama", "O panorama geral"), "nl": ("Het grote plaatje",),
        "ar": ("الصورة الكبيرة",), "he": ("התמונה הגדולה",), "fa": ("تصویر کلی",), "ur": ("بڑی تصویر",),
        "tr": ("Büyük resim",), "ru": ("Общая картина",), "uk": ("Загальна картина",),
        "pl": ("Szerszy obraz",), "zh": ("全局",), "ja": ("全体像",), "hi": ("बड़ी तस्वीर",),
    },
    "driving-the-news": {
        "es": ("La noticia",), "fr": ("L'actualité",), "de": ("Der Anlass",), "it": ("La notizia",),
        "pt": ("A notícia",), "nl": ("Het nieuws",), "ar": ("الخبر",), "he": ("החדשות",), "fa": ("خبر",),
        "ur": ("خبر",), "tr": ("Haberin özü",), "ru": ("Повод",), "uk": ("Привід",), "pl": ("Co się stało",),
        "zh": ("新闻要点",), "ja": ("ニュースの核心",), "hi": ("ख़बर",),
    },
    "what-theyre-saying": {
        "es": ("Lo que dicen",), "fr": ("Ce qu'ils disent",), "de": ("Was sie sagen",), "it": ("Cosa dicono",),
        "pt": ("O que dizem",), "nl": ("Wat ze zeggen",), "ar": ("ما يقولونه",), "he": ("מה הם אומרים",),
        "fa": ("آنچه می‌گویند",), "ur": ("وہ کیا کہتے ہیں",), "tr": ("Ne diyorlar",), "ru": ("Что говорят",),
        "uk": ("Що кажуть",), "pl": ("Co mówią",), "zh": ("各方说法",), "ja": ("関係者の声",),
        "hi": ("वे क्या कह रहे हैं",),
    },
    "between-the-lines": {
        "es": ("Entre líneas",), "fr": ("Entre les lignes",), "de": ("Zwischen den Zeilen",),
        "it": ("Tra le righe",), "pt": ("Nas entrelinhas",), "nl": ("Tussen de regels",),
        "ar": ("بين السطور",), "he": ("בין השורות",), "fa": ("میان سطرها",), "ur": ("سطروں کے درمیان",),
        "tr": ("Satır aralarında",), "ru": ("Между строк",), "uk": ("Між рядків",), "pl": ("Między wierszami",),
        "zh": ("弦外之音",), "ja": ("行間を読む",), "hi": ("पंक्तियों के बीच",),
    },
    "yes-but": {
        "es": ("Sí, pero",), "fr": ("Oui, mais",), "de": ("Ja, aber",), "it": ("Sì, ma",), "pt": ("Sim, mas",),
        "nl": ("Ja, maar",), "ar": ("نعم، لكن",), "he": ("כן, אבל",), "fa": ("بله، اما",), "ur": ("ہاں، لیکن",),
        "tr": ("Evet, ama",), "ru": ("Да, но",), "uk": ("Так, але",), "pl": ("Tak, ale",), "zh": ("不过",),
        "ja": ("ただし",), "hi": ("हाँ, लेकिन",),
    },
    "by-the-numbers": {
        "es": ("En cifras",), "fr": ("En chiffres",), "de": ("In Zahlen",), "it": ("In cifre",),
        "pt": ("Em números",), "nl": ("In cijfers",), "ar": ("بالأرقام",), "he": ("במספרים",), "fa": ("به زبان آمار",),
        "ur": ("اعداد و شمار",), "tr": ("Rakamlarla",), "ru": ("В цифрах",), "uk": ("У цифрах",),
        "pl": ("W liczbach",), "zh": ("数字说话",), "ja": ("数字で見る",), "hi": ("आंकड़ों में",),
    },
    "the-bottom-line": {
        "es": ("La conclusión",), "fr": ("En résumé",), "de": ("Unterm Strich",), "it": ("In conclusione",),
        "pt": ("A conclusão",), "nl": ("Kortom",), "ar": ("الخلاصة",), "he": ("השורה התחתונה",), "fa": ("جمع‌بندی",),
        "ur": ("خلاصہ",), "tr": ("Özetle",), "ru": ("Итог",), "uk": ("Підсумок",), "pl": ("Podsumowując",),
        "zh": ("结论",), "ja": ("結論",), "hi": ("निष्कर्ष",),
    },
    "whats-next": {
        "es": ("Qué sigue",), "fr": ("Et après",), "de": ("Wie es weitergeht",), "it": ("Cosa succede ora",),
        "pt": ("O que vem a seguir",), "nl": ("Wat nu",), "ar": ("ما التالي",), "he": ("מה הלאה",),
        "fa": ("بعد چه",), "ur": ("آگے کیا",), "tr": ("Sırada ne var",), "ru": ("Что дальше",),
        "uk": ("Що далі",), "pl": ("Co dalej",), "zh": ("下一步",), "ja": ("今後の展開",), "hi": ("आगे क्या",),
    },
    "go-deeper": {
        "es": ("Profundiza",), "fr": ("Pour aller plus loin",), "de": ("Mehr dazu",), "it": ("Per approfondire",),
        "pt": ("Saiba mais",), "nl": ("Verder lezen",), "ar": ("للتعمق أكثر",), "he": ("להעמקה",),
        "fa": ("بیشتر بخوانید",), "ur": ("مزید پڑھیں",), "tr": ("Daha fazlası",), "ru": ("Подробнее",),
        "uk": ("Докладніше",), "pl": ("Więcej",), "zh": ("深度阅读",), "ja": ("さらに詳しく",),
        "hi": ("और गहराई से",),
    },
    "zoom-in": {
        "es": ("En detalle",), "fr": ("Zoom avant",), "de": ("Im Detail",), "it": ("Nel dettaglio",),
        "pt": ("Em detalhe",), "nl": ("Ingezoomd",), "ar": ("عن قرب",), "he": ("מקרוב",), "fa": ("از نزدیک",),
        "ur": ("قریب سے",), "tr": ("Yakından",), "ru": ("Крупным планом",), "uk": ("Крупним планом",),
        "pl": ("Z bliska",), "zh": ("细节",), "ja": ("詳しく見る",), "hi": ("क़रीब से",),
    },
    "context": {
        "es": ("Contexto",), "fr": ("Contexte",), "de": ("Hintergrund",), "it": ("Contesto",),
        "pt": ("Contexto",), "nl": ("Context",), "ar": ("السياق",), "he": ("הקשר",), "fa": ("زمینه",),
        "ur": ("پس منظر",), "tr": ("Bağlam",), "ru": ("Контекст",), "uk": ("Контекст",), "pl": ("Kontekst",),
        "zh": ("背景",), "ja": ("背景",), "hi": ("संदर्भ",),
    },
}


def normalise_label(text: str) -> str:
    """The form labels are matched in: case-folded, ’ as ', no trailing colon, single spaces."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").strip().rstrip(":").strip()
    return " ".join(text.split()).casefold()


def axiom_slug(label: str) -> str:
    """`data-axiom` value: lowercase, apostrophes dropped, other non-word runs → '-'."""
    text = label.replace("\u2019", "").replace("\u2018", "").replace("'", "").casefold()
    return re.sub(r"[\W_]+", "-", text).strip("-") or "section"


def vocabulary(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Normalised label → axiom key: the English labels, their translations, then a site's own `axioms:`
    (a label of its own is its own key)."""
    table = {normalise_label(label): axiom_slug(label) for label in DEFAULT_AXIOMS}
    for key, by_language in TRANSLATIONS.items():
        for labels in by_language.values():
            for label in labels:
                table.setdefault(normalise_label(label), key)
    for label in extra:
        table.setdefault(normalise_label(label), axiom_slug(label))
    return table


def spellings(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Normalised label → the label as written, for every label `vocabulary` knows (for did-you-mean hints)."""
    table = {normalise_label(label): label for label in DEFAULT_AXIOMS}
    for by_language in TRANSLATIONS.values():
        for labels in by_language.values():
            for label in labels:
                table.setdefault(normalise_label(label), label)
    for label in extra:
        table.setdefault(normalise_label(label), label)
    return table


def label_in(key: str, language: str) -> str:
    """The usual label of an axiom in a language (`pt-BR` uses `pt`'s), else the English one."""
    labels = labels_of(key)
    return (labels.get(language.split("-")[0].lower()) or labels["en"] or (key,))[0]


def labels_of(key: str) -> dict[str, tuple[str, ...]]:
    """Every spelling of one axiom by language, English first (for hints in `check`)."""
    english = tuple(label for label in DEFAULT_AXIOMS if axiom_slug(label) == key)
    return {"en": english, **TRANSLATIONS.get(key, {})}
