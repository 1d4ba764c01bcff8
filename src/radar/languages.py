"""Languages a brief can be written in: ISO 639-1 codes and their English names.

The table is ISO 639-1 as Debian's iso-codes publishes it (read through pycountry
26.2.16): 184 codes, a few KB, so radar carries it rather than a dependency of 10 MB.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from radar.errors import UsageError

_TABLE = (
    "aa=Afar|ab=Abkhazian|ae=Avestan|af=Afrikaans|ak=Akan|am=Amharic|an=Aragonese|ar=Arabic|as=Assamese|"
    "av=Avaric|ay=Aymara|az=Azerbaijani|ba=Bashkir|be=Belarusian|bg=Bulgarian|bi=Bislama|bm=Bambara|"
    "bn=Bengali|bo=Tibetan|br=Breton|bs=Bosnian|ca=Catalan|ce=Chechen|ch=Chamorro|co=Corsican|cr=Cree|"
    "cs=Czech|cu=Church Slavic|cv=Chuvash|cy=Welsh|da=Danish|de=German|dv=Divehi|dz=Dzongkha|ee=Ewe|"
    "el=Modern Greek (1453-)|en=English|eo=Esperanto|es=Spanish|et=Estonian|eu=Basque|fa=Persian|"
    "ff=Fulah|fi=Finnish|fj=Fijian|fo=Faroese|fr=French|fy=Western Frisian|ga=Irish|gd=Scottish Gaelic|"
    "gl=Galician|gn=Guarani|gu=Gujarati|gv=Manx|ha=Hausa|he=Hebrew|hi=Hindi|ho=Hiri Motu|hr=Croatian|"
    "ht=Haitian|hu=Hungarian|hy=Armenian|hz=Herero|"
    "ia=Interlingua (International Auxiliary Language Association)|id=Indonesian|ie=Interlingue|ig=Igbo|"
    "ii=Sichuan Yi|ik=Inupiaq|io=Ido|is=Icelandic|it=Italian|iu=Inuktitut|ja=Japanese|jv=Javanese|"
    "ka=Georgian|kg=Kongo|ki=Kikuyu|kj=Kuanyama|kk=Kazakh|kl=Kalaallisut|km=Khmer|kn=Kannada|ko=Korean|"
    "kr=Kanuri|ks=Kashmiri|ku=Kurdish|kv=Komi|kw=Cornish|ky=Kirghiz|la=Latin|lb=Luxembourgish|lg=Ganda|"
    "li=Limburgan|ln=Lingala|lo=Lao|lt=Lithuanian|lu=Luba-Katanga|lv=Latvian|mg=Malagasy|mh=Marshallese|"
    "mi=Maori|mk=Macedonian|ml=Malayalam|mn=Mongolian|mr=Marathi|ms=Malay (macrolanguage)|mt=Maltese|"
    "my=Burmese|na=Nauru|nb=Norwegian Bokmål|nd=North Ndebele|ne=Nepali (macrolanguage)|ng=Ndonga|"
    "nl=Dutch|nn=Norwegian Nynorsk|no=Norwegian|nr=South Ndebele|nv=Navajo|ny=Chichewa|"
    "oc=Occitan (post 1500)|oj=Ojibwa|om=Oromo|or=Oriya (macrolanguage)|os=Ossetian|pa=Panjabi|pi=Pali|"
    "pl=Polish|ps=Pushto|pt=Portuguese|qu=Quechua|rm=Romansh|rn=Rundi|ro=Romanian|ru=Russian|"
    "rw=Kinyarwanda|sa=Sanskrit|sc=Sardinian|sd=Sindhi|se=Northern Sami|sg=Sango|sh=Serbo-Croatian|"
    "si=Sinhala|sk=Slovak|sl=Slovenian|sm=Samoan|sn=Shona|so=Somali|sq=Albanian|sr=Serbian|ss=Swati|"
    "st=Southern Sotho|su=Sundanese|sv=Swedish|sw=Swahili (macrolanguage)|ta=Tamil|te=Telugu|tg=Tajik|"
    "th=Thai|ti=Tigrinya|tk=Turkmen|tl=Tagalog|tn=Tswana|to=Tonga (Tonga Islands)|tr=Turkish|ts=Tsonga|"
    "tt=Tatar|tw=Twi|ty=Tahitian|ug=Uighur|uk=Ukrainian|ur=Urdu|uz=Uzbek|ve=Venda|vi=Vietnamese|"
    "vo=Volapük|wa=Walloon|wo=Wolof|xh=Xhosa|yi=Yiddish|yo=Yoruba|za=Zhuang|zh=Chinese|zu=Zulu"
)
# A region or script after the code, as in zh-TW, pt_BR or zh-Hant.
_TAG = re.compile(r"([a-z]{2})(?:[-_]([a-z]{2}|[a-z]{4}))?")


@lru_cache(maxsize=1)
def _languages() -> tuple[dict[str, str], dict[str, str]]:
    """(code -> English name, lower-case name or alias -> code)."""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for entry in _TABLE.split("|"):
        code, name = entry.split("=")
        names[code] = name
        # "Modern Greek (1453-)", "Ndonga; Ndongo"-style names: each part is a name people use.
        for alias in re.split(r"[;,]", re.sub(r"\(.*?\)", "", name)):
            alias = " ".join(alias.split()).lower()
            if alias and alias != "modern":
                codes.setdefault(alias, code)
    codes.update({"modern greek": "el", "greek": "el", "farsi": "fa"})
    return names, codes


def language_code(value: str, what: str = "--lang") -> str:
    """The ISO 639-1 code (with its region, lower case: "zh-tw") for a code or an English
    language name, or UsageError naming the closest ones."""
    names, codes = _languages()
    text = " ".join(value.split()).lower()
    tag = _TAG.fullmatch(text)
    if tag and tag.group(1) in names:
        return text.replace("_", "-")
    if text in codes:
        return codes[text]
    close = difflib.get_close_matches(text, list(codes), n=3, cutoff=0.75)
    hint = (
        "; did you mean " + ", ".join(f"{codes[c]} ({names[codes[c]]})" for c in close) + "?" if close else ""
    )
    raise UsageError(
        f"unknown language {value!r} for {what}: give an ISO 639-1 code or an English name "
        f"(de, German, zh-TW){hint}"
    )


def language_name(code: str) -> str:
    """The English name of a code language_code returned ("zh-tw" -> "Chinese")."""
    names, _ = _languages()
    name = names.get(code.split("-")[0], code)
    return re.sub(r"\s*\(.*?\)", "", name).strip() or name
