"""Texts for issue 10's hardening: where views may be shown, invite codes kept as secrets."""

UK: dict[str, str] = {
    "policy.private_only": "🔒 Ця команда працює лише в особистому чаті з ботом: її відповідь може містити дані людей, адреси, примітки чи коди запрошень. Напишіть мені напряму.",
    "policy.private_only_link": "Особистий чат: {link}",
    "help.uninvite.usage": "НОМЕР",
    "invites.line": "<b>{id}</b> · {org} (орг. #{org_id}) · {role} · до {date}",
    "invites.hint": "Скасувати: /uninvite НОМЕР (число на початку рядка). Самі коди бот не зберігає і показати не може.",
    "invites.uninvite_usage": "Використання: /uninvite НОМЕР — номер запрошення з /invites.",
    "invites.uninvite_none": "Чинного запрошення з номером {id} немає. Чинні: /invites",
    "invites.uninvite_done": "✅ Запрошення {id} до «{org}» ({role}) скасовано. Його код більше не діє.",
}

DE: dict[str, str] = {
    "policy.private_only": "🔒 Dieser Befehl funktioniert nur im privaten Chat mit dem Bot: Die Antwort kann Personendaten, Adressen, Anmerkungen oder Einladungscodes enthalten. Schreiben Sie mir bitte direkt.",
    "policy.private_only_link": "Privater Chat: {link}",
    "help.uninvite.usage": "NUMMER",
    "invites.line": "<b>{id}</b> · {org} (Org. #{org_id}) · {role} · bis {date}",
    "invites.hint": "Widerrufen: /uninvite NUMMER (die Zahl am Zeilenanfang). Die Codes selbst speichert der Bot nicht und kann sie nicht zeigen.",
    "invites.uninvite_usage": "Verwendung: /uninvite NUMMER – die Nummer der Einladung aus /invites.",
    "invites.uninvite_none": "Keine offene Einladung mit der Nummer {id}. Offene: /invites",
    "invites.uninvite_done": "✅ Einladung {id} für „{org}“ ({role}) widerrufen. Ihr Code gilt nicht mehr.",
}

EN: dict[str, str] = {
    "policy.private_only": "🔒 This command works only in a private chat with the bot: its answer may show people's data, addresses, notes or invite codes. Please message me directly.",
    "policy.private_only_link": "Private chat: {link}",
    "help.uninvite.usage": "NUMBER",
    "invites.line": "<b>{id}</b> · {org} (org #{org_id}) · {role} · until {date}",
    "invites.hint": "Revoke: /uninvite NUMBER (the number at the start of the line). The bot does not keep the codes themselves and cannot show them.",
    "invites.uninvite_usage": "Usage: /uninvite NUMBER — the invite's number from /invites.",
    "invites.uninvite_none": "No pending invite number {id}. Pending ones: /invites",
    "invites.uninvite_done": "✅ Invite {id} to “{org}” ({role}) revoked. Its code no longer works.",
}
