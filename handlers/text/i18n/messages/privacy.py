"""Texts for forgetting people (/forget_me, /forget) and for authors who were forgotten."""

UK: dict[str, str] = {
    "help.forget_me": "видалити мої дані з бота",
    "help.forget": "видалити дані учасника (право на забуття)",
    "help.forget.usage": "УЧАСНИК",
    "forget.me_confirm": (
        "⚠️ <b>Видалити ваші дані?</b>\n"
        "Ми зітремо ваше ім'я та ідентифікатор у месенджері, ваші незавершені чернетки, "
        "підписки та повідомлення, що чекають на надсилання. Ваші запити залишаться в "
        "організації з позначкою «колишній учасник». Після цього бот вас не знатиме: щоб "
        "користуватися ним знову, потрібне нове запрошення. Скасувати це неможливо."
    ),
    "forget.me_done": (
        "Готово: ваші дані видалено. Запити залишилися в організації без вашого імені. "
        "Дякуємо, що користувалися AidBridge."
    ),
    "forget.cancelled": "Скасовано, нічого не видалено.",
    "forget.usage": "Використання: /forget УЧАСНИК — номер учасника (12 або #12) або ідентифікатор (telegram:123456).",
    "forget.not_found": "Учасника «{member}» не знайдено.",
    "forget.already": "Дані учасника #{id} уже видалено.",
    "forget.use_me": "Щоб видалити власні дані, скористайтеся /forget_me.",
    "forget.member_confirm": (
        "⚠️ <b>Видалити дані учасника #{id}?</b>\n{name} · {identity} · {org}\n"
        "Ім'я та ідентифікатор буде стерто, доступ припинено, підписки й черга повідомлень "
        "для нього видалено. Запити залишаться в організації. Скасувати це неможливо."
    ),
    "forget.member_done": "Дані учасника #{id} видалено. Його запити тепер показано як «колишній учасник».",
    "forget.gone": "Цю дію вже виконано або вона неактуальна.",
    "btn.forget_confirm": "🗑 Так, видалити",
    "privacy.former_member": "колишній учасник",
    "forget.me_configured_admin": "Ви адміністратор, вписаний у налаштування бота (AIDBRIDGE_ADMINS): бот відновить вас при наступному повідомленні, тож видалення нічого не дало б. Попросіть того, хто керує сервером, спершу прибрати вас звідти.",
}

DE: dict[str, str] = {
    "help.forget_me": "meine Daten aus dem Bot löschen",
    "help.forget": "Daten eines Mitglieds löschen (Recht auf Vergessenwerden)",
    "help.forget.usage": "MITGLIED",
    "forget.me_confirm": (
        "⚠️ <b>Ihre Daten löschen?</b>\n"
        "Wir löschen Ihren Namen und Ihre Messenger-Kennung, unfertige Entwürfe, Ihre "
        "Abonnements und noch nicht zugestellte Nachrichten an Sie. Ihre Anfragen bleiben bei "
        "Ihrer Organisation und erscheinen als „ehemaliges Mitglied“. Danach kennt der Bot Sie "
        "nicht mehr: Für eine erneute Nutzung brauchen Sie eine neue Einladung. Das lässt sich "
        "nicht rückgängig machen."
    ),
    "forget.me_done": (
        "Erledigt: Ihre Daten sind gelöscht. Ihre Anfragen bleiben ohne Ihren Namen bei der "
        "Organisation. Danke, dass Sie AidBridge genutzt haben."
    ),
    "forget.cancelled": "Abgebrochen, nichts wurde gelöscht.",
    "forget.usage": "Verwendung: /forget MITGLIED — Mitgliedsnummer (12 oder #12) oder Kennung (telegram:123456).",
    "forget.not_found": "Mitglied „{member}“ nicht gefunden.",
    "forget.already": "Die Daten von Mitglied #{id} sind bereits gelöscht.",
    "forget.use_me": "Ihre eigenen Daten löschen Sie mit /forget_me.",
    "forget.member_confirm": (
        "⚠️ <b>Daten von Mitglied #{id} löschen?</b>\n{name} · {identity} · {org}\n"
        "Name und Kennung werden gelöscht, der Zugang endet, Abonnements und wartende "
        "Nachrichten an diese Person werden entfernt. Die Anfragen bleiben bei der "
        "Organisation. Das lässt sich nicht rückgängig machen."
    ),
    "forget.member_done": "Die Daten von Mitglied #{id} sind gelöscht. Seine Anfragen erscheinen jetzt als „ehemaliges Mitglied“.",
    "forget.gone": "Das ist bereits erledigt oder nicht mehr gültig.",
    "btn.forget_confirm": "🗑 Ja, löschen",
    "privacy.former_member": "ehemaliges Mitglied",
    "forget.me_configured_admin": "Sie sind in der Konfiguration des Bots als Admin eingetragen (AIDBRIDGE_ADMINS): Der Bot legt Sie bei der nächsten Nachricht wieder an, Löschen würde also nichts bewirken. Bitten Sie die Betreiber des Servers, Sie zuerst dort zu entfernen.",
}

EN: dict[str, str] = {
    "help.forget_me": "delete my data from the bot",
    "help.forget": "delete a member's data (right to be forgotten)",
    "help.forget.usage": "MEMBER",
    "forget.me_confirm": (
        "⚠️ <b>Delete your data?</b>\n"
        "We will erase your name and your messenger id, your unfinished drafts, your "
        "subscriptions and any messages still waiting to be sent to you. Your requests stay "
        "with your organisation, shown as “former member”. After that the bot will not know "
        "you: to use it again you need a new invite. This cannot be undone."
    ),
    "forget.me_done": (
        "Done: your data has been deleted. Your requests stay with your organisation without "
        "your name. Thank you for using AidBridge."
    ),
    "forget.cancelled": "Cancelled, nothing was deleted.",
    "forget.usage": "Usage: /forget MEMBER — the member number (12 or #12) or the identity (telegram:123456).",
    "forget.not_found": "No member “{member}”.",
    "forget.already": "Member #{id} has already been forgotten.",
    "forget.use_me": "To delete your own data, use /forget_me.",
    "forget.member_confirm": (
        "⚠️ <b>Delete the data of member #{id}?</b>\n{name} · {identity} · {org}\n"
        "Their name and id will be erased, their access ends, and their subscriptions and "
        "waiting messages are removed. Their requests stay with the organisation. This cannot "
        "be undone."
    ),
    "forget.member_done": "Member #{id} has been forgotten. Their requests now show as “former member”.",
    "forget.gone": "This was already done or is no longer valid.",
    "btn.forget_confirm": "🗑 Yes, delete",
    "privacy.former_member": "former member",
    "forget.me_configured_admin": "You are an admin named in the bot's configuration (AIDBRIDGE_ADMINS): the bot would recreate you on your next message, so deleting your data would not stick. Ask whoever runs the server to remove you there first.",
}
