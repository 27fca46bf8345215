"""Texts of the outbox's last resorts (issue 10): what a person sees instead of silence."""

UK: dict[str, str] = {
    "outbox.too_long": "⚠️ Частину цієї відповіді платформа не прийняла: вона задовга. Надішліть, будь ласка, коротше повідомлення.",
}

DE: dict[str, str] = {
    "outbox.too_long": "⚠️ Einen Teil dieser Antwort hat die Plattform nicht angenommen: Er ist zu lang. Bitte senden Sie eine kürzere Nachricht.",
}

EN: dict[str, str] = {
    "outbox.too_long": "⚠️ The platform refused part of this answer as too long. Please send a shorter message.",
}
