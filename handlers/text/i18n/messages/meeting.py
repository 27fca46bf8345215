"""Texts for the coordination round (/meeting) and fortnightly subscriptions (issue 14)."""

UK: dict[str, str] = {
    "meeting.subs_usage": "/subscribe fortnightly fri 08:00 [з 2026-12-04] — раз на два тижні, з першої п'ятниці від дати",
    "meeting.subs_kind_fortnightly": "раз на два тижні ({day}) о {time}, з {start}",
    "meeting.subs_bad_date": "Не розумію дату «{word}». Напишіть її так: 2026-12-04 або 04.12.2026.",
    "meeting.subs_past_date": "Дата {day} уже минула. Вкажіть сьогоднішню або пізнішу.",
    "stats.kind_fortnightly": "раз на два тижні",
}

DE: dict[str, str] = {
    "meeting.subs_usage": "/subscribe fortnightly fri 08:00 [ab 2026-12-04] — alle zwei Wochen, ab dem ersten Freitag ab dem Datum",
    "meeting.subs_kind_fortnightly": "alle zwei Wochen ({day}) um {time}, ab {start}",
    "meeting.subs_bad_date": "Das Datum „{word}“ verstehe ich nicht. Bitte so: 2026-12-04 oder 04.12.2026.",
    "meeting.subs_past_date": "Der {day} ist schon vorbei. Bitte heute oder später.",
    "stats.kind_fortnightly": "zweiwöchentlich",
}

EN: dict[str, str] = {
    "meeting.subs_usage": "/subscribe fortnightly fri 08:00 [from 2026-12-04] — every second week, from the first Friday on or after the date",
    "meeting.subs_kind_fortnightly": "fortnightly ({day}) at {time}, from {start}",
    "meeting.subs_bad_date": "I do not understand the date “{word}”. Please write it as 2026-12-04 or 04.12.2026.",
    "meeting.subs_past_date": "{day} has passed already. Please give today or a later date.",
    "stats.kind_fortnightly": "fortnightly",
}
