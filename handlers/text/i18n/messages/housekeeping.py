"""Texts for the re-confirmation of quiet requests."""

UK: dict[str, str] = {
    "reconfirm.question": "❓ Запит <b>{ref}</b> уже два тижні без змін. Він ще потрібен?",
    "reconfirm.thanks": "Дякуємо! Запит {ref} залишається активним.",
    "btn.still_needed": "✅ Ще потрібно",
}

DE: dict[str, str] = {
    "reconfirm.question": "❓ Anfrage <b>{ref}</b> ist seit zwei Wochen unverändert. Wird sie noch benötigt?",
    "reconfirm.thanks": "Danke! Anfrage {ref} bleibt offen.",
    "btn.still_needed": "✅ Noch benötigt",
}

EN: dict[str, str] = {
    "reconfirm.question": "❓ Request <b>{ref}</b> has not changed for two weeks. Is it still needed?",
    "reconfirm.thanks": "Thank you! Request {ref} stays open.",
    "btn.still_needed": "✅ Still needed",
}
