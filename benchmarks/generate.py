"""Writes large, realistic, fictitious contact exports for the benchmarks, from a seed.

Four formats as the services write them today: Google CSV (`` ::: `` multi-values, ``* `` primary labels),
LinkedIn's Connections.csv (the "Notes:" paragraph above the header, 2% hidden members), Outlook's 92-column
CSV in Windows-1252, and Apple's vCard 3.0 (``item1.EMAIL`` with ``item1.X-ABLabel``). The people are
invented: example.com/example.org addresses, numbers in all the ranges set aside for fiction in four countries
(555-0100..0199 in 440 US and Canadian area codes, Ofcom's 15 drama blocks such as 020 7946 0xxx, ARCEP's
01 99 00 xx xx and four more, ACMA's 02 5550 xxxx and three more: 75,000 distinct numbers), written the messy
ways people write them. A few percent of the records repeat an earlier person's email or LinkedIn URL, and a
few rows are bad (no name, not an email, a phone with no digits, a ragged row).

    .venv/bin/python benchmarks/generate.py [FOLDER] [--sizes 10k,100k,1M] [--formats google,vcard]
"""

from __future__ import annotations

import argparse
import base64
import csv
import random
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_FOLDER = Path(__file__).resolve().parent / "data"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
FORMATS = ("google", "linkedin", "outlook", "vcard", "vcard-android", "vcard-photos", "vcard-folded")
SEED = 20260105
DUPLICATE_SHARE = 0.03
HIDDEN_SHARE = 0.02
BAD_SHARE = 0.002

_FIRST = ("Ann", "Bruno", "Chloé", "Dev", "Elif", "Farah", "Grace", "Hiro", "Ines", "Jonas", "Kofi", "Lena",
          "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomás", "Uma", "Viktor", "Wen", "Ximena",
          "Yusuf", "Zoë", "Amara", "Björn", "Carmen", "Dmitri", "Esther", "Fionn", "Gabriel", "Hana", "Ivo",
          "Júlia", "Kai", "Leilani", "Marek", "Noor", "Olu", "Paz", "Renée", "Saoirse", "Théo", "Ulla", "Vera",
          "Wiremu", "Yara", "Zainab")
_LAST = ("Example", "Okafor", "Costa", "Dubois", "Raman", "Lindqvist", "Tanaka", "Moreau", "Hopper-Example",
         "Nakamura", "Schmidt", "García", "O'Neill", "van der Berg", "Kowalski", "Haddad", "Ivanova", "Mensah",
         "Rossi", "Novák", "Sørensen", "Yilmaz", "Papadopoulos", "Nguyen", "Müller", "de la Cruz", "Fitzgerald",
         "Abara", "Lefèvre", "Quispe", "Sato", "Walker", "Björk", "Chen", "Dalton", "Eriksen", "Fontaine",
         "Gallo", "Horvat", "Jansen", "Kim", "Laurent", "Mwangi", "Nilsson", "Olsen", "Pereira", "Reyes",
         "Stein", "Tran", "Ueda")
_COMPANIES = ("Example Compilers Inc.", "Northwind Analytics", "Costa, Reis & Filhos", "Atelier Lumière",
              "Example Robotics", "Boulangerie Exemple", "Example Freight Ltd", "Clinique Exemple",
              "Contoso Example Labs", "Example Design AB", "Fabrikam Example GmbH", "Example Health Trust",
              "Tailspin Example Toys", "Example & Partners LLP", "Wide World Example Importers")
_TITLES = ("Head of Data", "Partner", "Designer", "Staff Engineer", "Owner", "Logistics Manager",
           "Cardiologist", "Creative Director", "Account Executive", "Product Manager", "Recruiter", "CFO",
           "Research Scientist", "Teacher", "Nurse Practitioner")
_CITIES = (("New York", "NY", "10001", "US"), ("Brooklyn", "NY", "11201", "US"), ("Chicago", "IL", "60601", "US"),
           ("San Francisco", "CA", "94103", "US"), ("London", "", "EC1A 1BB", "GB"), ("Lyon", "", "69001", "FR"),
           ("Sydney", "NSW", "2000", "AU"), ("Toronto", "ON", "M5H 2N2", "CA"))
_STREETS = ("Example Ave", "Example Street", "Rue de l'Exemple", "High Street", "Market Road", "Harbour Lane")
_GROUPS = ("Friends", "Family", "Conference", "Work", "Clients", "Book club", "Home services", "Investors")
_NOTES = ("Met at the systems conference.", "Prefers email.", "Introduced by a mutual friend.",
          "Ask about the Würzburg trip.", "Owes me a coffee — ask about the new job.",
          "Met at the design week, booth 12.\nLikes fika.", "Spoke at the meetup in March.")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# NANP area codes (US, then Canada) in which phonenumbers calls every 555-0100..0199 number valid: the
# range set aside for fiction. Toll-free, premium and non-geographic codes are left out.
_NANP_AREAS = {
    "US": """
201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 220 223 224 225 227 228 229 231 234 235
239 240 248 251 252 253 254 256 260 262 267 269 270 272 274 276 279 281 283 301 302 303 304 305 307 308 309
310 312 313 314 315 316 317 318 319 320 321 323 324 325 326 327 329 330 331 332 334 336 337 339 341 346 347
350 351 352 353 360 361 363 364 369 380 385 386 401 402 404 405 406 407 408 409 410 412 413 414 415 417 419
423 424 425 430 432 434 435 440 442 443 445 447 448 458 463 464 469 470 472 475 478 479 480 484 501 502
503 504 505 507 508 509 510 512 513 515 516 517 518 520 530 531 534 539 540 541 551 557 559 561 562 563 564
567 570 571 572 573 574 575 580 582 585 586 601 602 603 605 606 607 608 609 610 612 614 615 616 617 618 619
620 623 626 628 629 630 631 636 640 641 645 646 650 651 656 657 659 660 661 662 667 669 678 680 681 682 686
689 701 702 703 704 706 707 708 712 713 714 715 716 717 718 719 720 724 725 726 727 728 730 731 732 734 737
738 740 743 747 748 754 757 760 762 763 765 769 770 771 772 773 774 775 779 781 785 786 801 802 803 804 805
806 808 810 812 813 814 815 816 817 818 820 826 828 830 831 832 835 838 839 840 843 845 847 848 850 854 856
857 858 859 860 862 863 864 865 870 872 878 901 903 904 906 907 908 909 910 912 913 914 915 916 917 918 919
920 925 928 929 930 931 934 936 937 938 940 941 943 945 947 948 949 951 952 954 956 959 970 971 972 973 975
978 979 980 983 984 985 986 989""",
    "CA": """
204 226 236 249 250 257 263 273 289 306 343 354 365 367 368 382 403 416 418 428 431 437 438 450 468 474 506
514 519 548 579 581 584 587 604 613 639 647 672 683 705 709 742 753 778 780 782 807 819 825 867 873 879 902
905 942""",
}
# Ofcom's drama numbers (area, local prefix, digits after it), each a block of 1,000.
_GB_RANGES = (("20", "7946", "0"), ("113", "496", "0"), ("114", "496", "0"), ("116", "496", "0"),
              ("117", "496", "0"), ("118", "496", "0"), ("121", "496", "0"), ("131", "496", "0"),
              ("141", "496", "0"), ("151", "496", "0"), ("161", "496", "0"), ("28", "9649", "6"),
              ("808", "157", "0"), ("909", "879", "0"), ("3069", "990", ""))
# ARCEP's numbers for fiction (0x yy zz and 10,000 numbers after) and ACMA's (02 5550 xxxx and so on).
_FR_RANGES = (("1", "99 00"), ("2", "61 91"), ("3", "53 01"), ("4", "65 71"), ("5", "36 49"))
_AU_RANGES = (("2", "5550"), ("3", "7010"), ("7", "5550"), ("8", "7010"))
# The mix of a North American address book with friends and colleagues abroad.
_COUNTRY_SHARES = (("NANP", 0.55), ("GB", 0.15), ("FR", 0.15), ("AU", 0.15))


def _pool(half: int) -> list[tuple[str, str, str, str]]:
    """Return the fictional numbers of one half of the pool as (country, area, middle, last) parts.

    Every range set aside for fiction in four countries, split in two halves: first phones come from half 0
    and second phones from half 1, so the only way two people share a number and a name (which makes them
    the same person) is a deliberate duplicate. The countries are shuffled together (seeded) in the shares
    of `_COUNTRY_SHARES`, so that the first 10,000 people already have every kind of number, and the pool
    ends when the North American numbers run out (about 37,500 numbers a half).
    """
    by_country: dict[str, list[tuple[str, str, str, str]]] = {
        "NANP": [(country, area, "555", f"01{x:02d}") for country, areas in _NANP_AREAS.items()
                 for area in areas.split() for x in range(half * 50, half * 50 + 50)],
        "GB": [("GB", area, middle, f"{lead}{x:03d}")
               for area, middle, lead in _GB_RANGES for x in range(half * 500, half * 500 + 500)],
        "FR": [("FR", area, middle, f"{x // 100:02d} {x % 100:02d}") for area, middle in _FR_RANGES
               for x in range(half * 5000, half * 5000 + 5000)],
        "AU": [("AU", area, middle, f"{x:04d}") for area, middle in _AU_RANGES
               for x in range(half * 5000, half * 5000 + 5000)],
    }
    shuffle = random.Random(SEED + half)
    for numbers in by_country.values():
        shuffle.shuffle(numbers)
    names = [name for name, _ in _COUNTRY_SHARES]
    shares = [share for _, share in _COUNTRY_SHARES]
    pool = []
    while all(by_country.values()):
        pool.append(by_country[shuffle.choices(names, shares)[0]].pop())
    return pool


_POOLS = (_pool(0), _pool(1))
_POOLS = tuple(pool[:min(map(len, _POOLS))] for pool in _POOLS)  # a slot indexes both halves
_CALLING = {"US": "1", "CA": "1", "GB": "44", "FR": "33", "AU": "61"}


def _phone(slot: int, half: int, pick: random.Random) -> str:
    """Return number `slot` of pool `half`, written in one of the messy ways `pick` chooses."""
    country, area, middle, last = _POOLS[half][slot]
    style = pick.randrange(10)
    if country in ("US", "CA"):
        number = (f"({area}) {middle}-{last}", f"{area}-{middle}-{last}", f"{area}.{middle}.{last}",
                  f"+1 {area} {middle} {last}", f"1-{area}-{middle}-{last}", f"{area}{middle}{last}",
                  f"+1 ({area}) {middle}-{last}", f"({area}) {middle}-{last}", f"{area}-{middle}-{last}",
                  f"+1 {area}-{middle}-{last}")[style]
        return number + (f" x{100 + slot % 900}" if pick.random() < 0.03 else "")
    plus = f"+{_CALLING[country]}"
    national = "0" + area
    return (f"{plus} {area} {middle} {last}", f"{plus} {area} {middle} {last}", f"{plus} (0){area} {middle} {last}",
            f"{plus}-{area}-{middle}-{last}".replace(" ", "-"), f"{plus}{area}{middle}{last}".replace(" ", ""),
            f"00{_CALLING[country]} {area} {middle} {last}", f"{plus} {area} {middle} {last}",
            f"{national} {middle} {last}", f"({national}) {middle} {last}",
            f"{plus} {area} {middle} {last}")[style]


def _ascii(text: str) -> str:
    """Return `text` without accents, spaces or apostrophes, lower-cased, for an email's local part."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in folded.lower() if ch.isalnum() or ch == "-")


@dataclass(frozen=True, slots=True)
class Person:
    """One fictitious person: everything an export may say about them."""

    index: int
    first: str
    last: str
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    company: str
    title: str
    city: tuple[str, str, str, str]
    street: str
    handle: str
    birthday: tuple[int, int, int]
    groups: tuple[str, ...]
    note: str


def _person(i: int, pick: random.Random) -> Person:
    """Return person `i`: identity (name, emails, LinkedIn) from `i` alone, so a duplicate can repeat it."""
    slot, block = i % len(_POOLS[0]), i // len(_POOLS[0])
    # people who share a number (same slot) are in different blocks, so they have different names
    name = (block + slot) % (len(_FIRST) * len(_LAST))
    first, last = _FIRST[name % len(_FIRST)], _LAST[name // len(_FIRST)]
    local = f"{_ascii(first)}.{_ascii(last)}{i}"
    emails = (f"{local}@example.com",) + ((f"{local}@example.org",) if i % 4 == 0 else ())
    phones = tuple(_phone(slot, half, pick) for half in range(1 + (pick.random() < 0.35)))
    groups = tuple(_GROUPS[(i + k) % len(_GROUPS)] for k in range(pick.randrange(3)))
    note = _NOTES[i % len(_NOTES)] if pick.random() < 0.25 else ""
    return Person(i, first, last, emails, phones, _COMPANIES[i % len(_COMPANIES)], _TITLES[i % len(_TITLES)],
                  _CITIES[i % len(_CITIES)], f"{1 + i % 400} {_STREETS[i % len(_STREETS)]}",
                  f"{_ascii(first)}-{_ascii(last)}-{i:x}", (1950 + i % 55, 1 + i % 12, 1 + i % 28), groups, note)


def people(count: int, seed: int = SEED) -> Iterator[tuple[Person, str]]:
    """Yield `count` people with what is wrong with each row: "" for a good one, else "duplicate", "hidden",
    "no-name", "bad-email", "bad-phone" or "ragged"."""
    pick = random.Random(seed)
    for n in range(count):
        roll = pick.random()
        if roll < DUPLICATE_SHARE and n > 10:
            # the same person again, further down the file, with other phones
            yield _person(pick.randrange(n - 1) + 1, pick), "duplicate"
        elif roll < DUPLICATE_SHARE + HIDDEN_SHARE:
            yield _person(n + 1, pick), "hidden"
        elif roll < DUPLICATE_SHARE + HIDDEN_SHARE + BAD_SHARE:
            yield _person(n + 1, pick), ("no-name", "bad-email", "bad-phone", "ragged")[pick.randrange(4)]
        else:
            yield _person(n + 1, pick), ""


_GOOGLE_HEADER = (
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,"
    "Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,"
    "Photo,Labels,E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,Phone 1 - Label,"
    "Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,Address 1 - Label,Address 1 - Formatted,"
    "Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,"
    "Address 1 - Country,Address 1 - Extended Address,Relation 1 - Label,Relation 1 - Value,"
    "Website 1 - Label,Website 1 - Value,Custom Field 1 - Label,Custom Field 1 - Value").split(",")


def write_google(path: Path, count: int, seed: int = SEED) -> None:
    """Write a Google Contacts CSV of `count` rows (multi-values joined by " ::: ", "* " marks primary)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_GOOGLE_HEADER)
        for p, quirk in people(count, seed):
            first, last = ("", "") if quirk in ("no-name", "hidden") else (p.first, p.last)
            emails = " ::: ".join(p.emails) if quirk != "bad-email" else f"{_ascii(p.first)} at example.com"
            phones = list(p.phones) if quirk != "bad-phone" else ["call the front desk"]
            city, region, postal, country = p.city
            year, month, day = p.birthday
            birthday = f"{year}-{month:02d}-{day:02d}" if p.index % 3 else f"--{month:02d}-{day:02d}"
            home = f"{_ascii(p.first)}{p.index}@example.net" if p.index % 5 == 0 else ""
            row = [first, "", last, "", "", "", "Dr." if p.index % 40 == 0 else "", "", "", "",
                   p.company, p.title, "", birthday,
                   p.note, "", " ::: ".join(("* myContacts",) + p.groups), "* Work", emails,
                   "Home" if home else "", home,
                   "Mobile", " ::: ".join(phones[:1] + phones[2:]), "Work" if len(phones) > 1 else "",
                   phones[1] if len(phones) > 1 else "",
                   "Work", f"{p.street}\n{city}, {region} {postal}\n{country}", p.street, city, "", region, postal,
                   country, "", "", "", "Profile", f"https://www.linkedin.com/in/{p.handle}/", "", ""]
            if quirk == "ragged":
                row += ["", "stray cell"]
            writer.writerow(row)


def write_linkedin(path: Path, count: int, seed: int = SEED) -> None:
    """Write LinkedIn's Connections.csv: the Notes: paragraph, then 7 columns; hidden members are blank."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write('Notes:\n"When exporting your connection data, you may notice that some of the email addresses '
                  'are missing. You will only see email addresses for connections who have allowed their '
                  'connections to see or download their email address."\n\n')
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
        for p, quirk in people(count, seed):
            year, month, day = p.birthday
            connected = f"{day:02d} {_MONTHS[month - 1]} {2010 + p.index % 16}"
            if quirk == "hidden":
                writer.writerow(["", "", "", "", "", "", connected])
                continue
            first, last = ("", "") if quirk == "no-name" else (p.first, p.last)
            email = p.emails[0] if p.index % 3 == 0 else ""
            email = f"{_ascii(p.first)} at example.com" if quirk == "bad-email" else email
            row = [first, last, f"https://www.linkedin.com/in/{p.handle}", email, p.company, p.title, connected]
            writer.writerow(row + (["extra"] if quirk == "ragged" else []))


_OUTLOOK_HEADER = (
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Street,"
    "Business Street 2,Business Street 3,Business City,Business State,Business Postal Code,"
    "Business Country/Region,Home Street,Home Street 2,Home Street 3,Home City,Home State,Home Postal Code,"
    "Home Country/Region,Other Street,Other Street 2,Other Street 3,Other City,Other State,Other Postal Code,"
    "Other Country/Region,Assistant's Phone,Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,"
    "Company Main Phone,Home Fax,Home Phone,Home Phone 2,ISDN,Mobile Phone,Other Fax,Other Phone,Pager,"
    "Primary Phone,Radio Phone,TTY/TDD Phone,Telex,Account,Anniversary,Assistant's Name,Billing Information,"
    "Birthday,Business Address PO Box,Categories,Children,Directory Server,E-mail Address,E-mail Type,"
    "E-mail Display Name,E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,E-mail 3 Type,"
    "E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,Initials,Internet Free Busy,"
    "Keywords,Language,Location,Manager's Name,Mileage,Notes,Office Location,Organizational ID Number,"
    "Other Address PO Box,Priority,Private,Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,"
    "User 4,Web Page").split(",")
_OUTLOOK_AT = {name: n for n, name in enumerate(_OUTLOOK_HEADER)}


def write_outlook(path: Path, count: int, seed: int = SEED) -> None:
    """Write Outlook's 92-column CSV, every cell quoted, in Windows-1252 ("0/0/00" for no date)."""
    at = _OUTLOOK_AT
    blank = [""] * len(_OUTLOOK_HEADER)
    for name, value in (("Anniversary", "0/0/00"), ("Birthday", "0/0/00"), ("E-mail Type", "SMTP"),
                        ("Gender", "Unspecified"), ("Priority", "Normal"), ("Private", "False"),
                        ("Sensitivity", "Normal")):
        blank[at[name]] = value
    with path.open("w", encoding="cp1252", errors="replace", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(_OUTLOOK_HEADER)
        for p, quirk in people(count, seed):
            row = blank.copy()
            first, last = ("", "") if quirk in ("no-name", "hidden") else (p.first, p.last)
            city, region, postal, country = p.city
            email = p.emails[0] if quirk != "bad-email" else "/o=ExampleOrg/ou=Exchange/cn=Recipients/cn=ann"
            phones = p.phones if quirk != "bad-phone" else ("n/a",)
            year, month, day = p.birthday
            for name, value in (("First Name", first), ("Last Name", last), ("Company", p.company),
                                ("Job Title", p.title), ("Business Street", p.street), ("Business City", city),
                                ("Business State", region), ("Business Postal Code", postal),
                                ("Business Country/Region", country), ("Mobile Phone", phones[0]),
                                ("Business Phone", phones[1] if len(phones) > 1 else ""),
                                ("E-mail Address", email), ("E-mail Display Name", f"{first} {last} ({email})"),
                                ("Categories", ";".join(p.groups)), ("Notes", p.note),
                                ("Initials", f"{first[:1]}.{last[:1]}." if first else "")):
                row[at[name]] = value
            if p.index % 2:
                row[at["Birthday"]] = f"{month}/{day + 12 if day < 17 else day}/{year}"  # unambiguous M/D
            writer.writerow(row + (["stray"] if quirk == "ragged" else []))


def _vcard_escape(text: str) -> str:
    """Return `text` escaped for a vCard 3.0 text value."""
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def write_vcard(path: Path, count: int, seed: int = SEED) -> None:
    """Write an iPhone-style vCard 3.0 file: Apple item labels, CRLF, no photos (a clean file vobject reads)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        for p, quirk in people(count, seed):
            first, last = ("", "") if quirk in ("no-name", "hidden") else (p.first, p.last)
            city, region, postal, country = p.city
            year, month, day = p.birthday
            lines = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 18.1//EN",
                     f"N:{_vcard_escape(last)};{_vcard_escape(first)};;;",
                     f"FN:{_vcard_escape(first)} {_vcard_escape(last)}" if first else "FN:",
                     f"ORG:{_vcard_escape(p.company)};", f"TITLE:{_vcard_escape(p.title)}"]
            email = p.emails[0] if quirk != "bad-email" else f"{_ascii(p.first)} at example.com"
            lines += [f"item1.EMAIL;type=INTERNET;type=pref:{email}", "item1.X-ABLabel:_$!<Other>!$_"]
            lines += [f"EMAIL;type=INTERNET;type=WORK:{e}" for e in p.emails[1:]]
            phones = p.phones if quirk != "bad-phone" else ("ask at reception",)
            lines.append(f"TEL;type=CELL;type=VOICE;type=pref:{phones[0]}")
            if len(phones) > 1:
                lines += [f"item2.TEL:{phones[1]}", "item2.X-ABLabel:Studio line"]
            lines += [f"item3.ADR;type=WORK;type=pref:;;{_vcard_escape(p.street)};{city};{region};{postal};{country}",
                      f"item3.X-ABADR:{country.lower()}"]
            lines.append(f"BDAY;X-APPLE-OMIT-YEAR=1604:1604-{month:02d}-{day:02d}" if p.index % 3 == 0
                         else f"BDAY:{year}-{month:02d}-{day:02d}")
            lines.append(f"X-SOCIALPROFILE;type=linkedin:https://www.linkedin.com/in/{p.handle}")
            if p.note:
                lines.append(f"NOTE:{_vcard_escape(p.note)}")
            if p.groups:
                lines.append("CATEGORIES:" + ",".join(p.groups))
            lines.append("END:VCARD")
            out.write("\r\n".join(lines) + "\r\n")


def _fold(line: str) -> list[str]:
    """Return `line` folded as vCard 3.0/4.0 writers fold it: at most 75 octets a line, continuations
    starting with a space (never inside a UTF-8 sequence)."""
    if line.isascii():
        return [line[:75], *(" " + line[i:i + 74] for i in range(75, len(line), 74))]
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    return [*out, current]


def _qp(text: str) -> str:
    """Return `text` as vCard 2.1 quoted-printable (UTF-8), with "=" soft line breaks past 74 characters."""
    encoded = "".join(c if " " < c < "=" or "=" < c <= "~" else "".join(f"={b:02X}" for b in c.encode("utf-8"))
                      for c in text)
    lines, current = [], ""
    for piece in re.findall(r"=[0-9A-F]{2}|.", encoded):
        if len(current) + len(piece) > 73:
            lines.append(current + "=")
            current = ""
        current += piece
    return "\r\n".join([*lines, current])


def _photo(rng: random.Random) -> str:
    """Return the base64 of a small fictitious JPEG-sized blob (4-8 KB), as phones attach to cards."""
    return base64.b64encode(b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randint(4_000, 8_000))).decode("ascii")


def write_vcard_android(path: Path, count: int, seed: int = SEED) -> None:
    """Write an Android-style vCard 2.1 file: quoted-printable UTF-8 names, notes and addresses (soft line
    breaks), bare type parameters (TEL;CELL), and a base64 photo on every fifth card (folded 2.1-style)."""
    rng = random.Random(seed + 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        for p, quirk in people(count, seed):
            first, last = ("", "") if quirk in ("no-name", "hidden") else (p.first, p.last)
            lines = ["BEGIN:VCARD", "VERSION:2.1",
                     f"N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(f'{last};{first};;;')}",
                     f"FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(f'{first} {last}'.strip())}"]
            lines += [f"TEL;{'CELL' if i == 0 else 'WORK'}:{phone}" for i, phone in enumerate(p.phones)]
            lines += [f"EMAIL;{'HOME' if i == 0 else 'WORK'}:{e}" for i, e in enumerate(p.emails)]
            lines.append(f"ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(p.company)}")
            city, region, postal, country = p.city
            lines.append("ADR;WORK;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:"
                         + _qp(f";;{p.street};{city};{region};{postal};{country}"))
            if p.note:
                lines.append(f"NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:{_qp(' '.join([p.note] * 4))}")
            if p.index % 5 == 0:
                data = _photo(rng)
                lines.append("PHOTO;ENCODING=BASE64;JPEG:" + "\r\n ".join(
                    [data[:46], *(data[i:i + 76] for i in range(46, len(data), 76))]))
                lines.append("")  # 2.1 ends base64 with an empty line
            lines.append("END:VCARD")
            out.write("\r\n".join(lines) + "\r\n")


def write_vcard_photos(path: Path, count: int, seed: int = SEED) -> None:
    """Write an iCloud-style vCard 3.0 file where every card carries a folded base64 photo."""
    rng = random.Random(seed + 2)
    with path.open("w", encoding="utf-8", newline="") as out:
        for p, quirk in people(count, seed):
            first, last = ("", "") if quirk in ("no-name", "hidden") else (p.first, p.last)
            lines = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//iCloud Web Address Book 2426B4//EN",
                     f"N:{_vcard_escape(last)};{_vcard_escape(first)};;;",
                     f"FN:{_vcard_escape(first)} {_vcard_escape(last)}" if first else "FN:",
                     f"ORG:{_vcard_escape(p.company)};", f"EMAIL;type=INTERNET;type=pref:{p.emails[0]}",
                     f"TEL;type=CELL;type=VOICE;type=pref:{p.phones[0]}"]
            lines += _fold(f"PHOTO;ENCODING=b;TYPE=JPEG:{_photo(rng)}")
            lines.append("END:VCARD")
            out.write("\r\n".join(lines) + "\r\n")


def write_vcard_folded(path: Path, count: int, seed: int = SEED) -> None:
    """Write a Google-style vCard 3.0 file whose long lines are folded at 75 octets: notes of a few hundred
    characters, several addresses, URLs and labelled items."""
    with path.open("w", encoding="utf-8", newline="") as out:
        for p, quirk in people(count, seed):
            first, last = ("", "") if quirk in ("no-name", "hidden") else (p.first, p.last)
            city, region, postal, country = p.city
            lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_vcard_escape(first)} {_vcard_escape(last)}".rstrip(),
                     f"N:{_vcard_escape(last)};{_vcard_escape(first)};;;",
                     *(f"EMAIL;TYPE=INTERNET;TYPE={'HOME' if i == 0 else 'WORK'}:{e}" for i, e in enumerate(p.emails)),
                     *(f"TEL;TYPE={'CELL' if i == 0 else 'WORK'}:{t}" for i, t in enumerate(p.phones)),
                     f"ORG:{_vcard_escape(p.company)}", f"TITLE:{_vcard_escape(p.title)}"]
            lines += _fold(f"ADR;TYPE=WORK:;;{_vcard_escape(p.street)}\\n{_vcard_escape(p.street)} Annex;"
                           f"{city};{region};{postal};{country}")
            lines += _fold(f"item1.URL:https://www.linkedin.com/in/{p.handle}/?originalSubdomain=example-long-"
                           "tracking-parameter")
            lines.append("item1.X-ABLabel:LinkedIn")
            lines += _fold("NOTE:" + _vcard_escape(" ".join([p.note or "No note."] * 6)))
            if p.groups:
                lines.append("CATEGORIES:" + ",".join(p.groups))
            lines.append("END:VCARD")
            out.write("\r\n".join(lines) + "\r\n")


WRITERS: dict[str, tuple[str, Callable[[Path, int, int], None]]] = {
    "google": ("csv", write_google), "linkedin": ("csv", write_linkedin), "outlook": ("csv", write_outlook),
    "vcard": ("vcf", write_vcard), "vcard-android": ("vcf", write_vcard_android),
    "vcard-photos": ("vcf", write_vcard_photos), "vcard-folded": ("vcf", write_vcard_folded),
}


def file_for(folder: Path, fmt: str, size: str) -> Path:
    """Return where the `fmt` export of `size` records lives in `folder` (``google-100k.csv``)."""
    return folder / f"{fmt}-{size}.{WRITERS[fmt][0]}"


def ensure(folder: Path, fmt: str, size: str, *, seed: int = SEED) -> tuple[Path, float | None]:
    """Return the file for (`fmt`, `size`) and the seconds it took to write, None when it already existed."""
    path = file_for(folder, fmt, size)
    if path.exists():
        return path, None
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")  # an interrupted run never leaves a short file behind
    start = time.perf_counter()
    WRITERS[fmt][1](partial, parse_size(size), seed)
    partial.replace(path)
    return path, time.perf_counter() - start


def parse_size(size: str) -> int:
    """Return the record count of "10k", "1M" or "2500"."""
    text = size.strip()
    if text in SIZES:
        return SIZES[text]
    scale = {"k": 1_000, "K": 1_000, "M": 1_000_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("kKmM")) * scale)


def main(argv: list[str] | None = None) -> int:
    """Write the missing exports and print one line per file; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k,100k,1M or counts")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ",".join(FORMATS))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for size in args.sizes.split(","):
        for fmt in args.formats.split(","):
            path, seconds = ensure(args.folder, fmt.strip(), size.strip(), seed=args.seed)
            made = f"written in {seconds:.1f}s" if seconds is not None else "already there"
            print(f"{path}  {path.stat().st_size / 1e6:8.1f} MB  {made}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
