"""Texts for issue 10's hardening: where views may be shown, invite codes kept as secrets."""

UK: dict[str, str] = {
    "policy.private_only": "🔒 Ця команда працює лише в особистому чаті з ботом: її відповідь може містити дані людей, адреси, примітки чи коди запрошень. Напишіть мені напряму.",
    "policy.private_only_link": "Особистий чат: {link}",
}

DE: dict[str, str] = {
    "policy.private_only": "🔒 Dieser Befehl funktioniert nur im privaten Chat mit dem Bot: Die Antwort kann Personendaten, Adressen, Anmerkungen oder Einladungscodes enthalten. Schreiben Sie mir bitte direkt.",
    "policy.private_only_link": "Privater Chat: {link}",
}

EN: dict[str, str] = {
    "policy.private_only": "🔒 This command works only in a private chat with the bot: its answer may show people's data, addresses, notes or invite codes. Please message me directly.",
    "policy.private_only_link": "Private chat: {link}",
}
