"""Texts of the room policy (issue 12): who is in a room decides what is shown there; and the
Matrix crypto store's copy in /backup."""

UK: dict[str, str] = {
    "rooms.outsiders_coordinator": "🔒 Тут не покажу: у цій кімнаті є люди, які не є координаторами AidBridge (учасники або запрошені). Запитайте мене в особистому чаті або в кімнаті лише з координаторами.",
    "rooms.outsiders_admin": "🔒 Тут не покажу: у цій кімнаті є люди, які не є адміністраторами AidBridge (учасники або запрошені). Запитайте мене в особистому чаті.",
    "rooms.open_history": "🔒 Тут не покажу: історію цієї кімнати бачать і ті, хто приєднається пізніше, тож відповідь прочитав би кожен наступний запрошений. Запитайте мене в особистому чаті або змініть у налаштуваннях кімнати, хто може читати історію: «Лише учасники (від часу приєднання)».",
    "rooms.others_present": "🔒 Тут не покажу: у цьому чаті, крім вас, є ще хтось (учасник або запрошений). Напишіть мені в чаті лише зі мною.",
    "rooms.subscribe_outsiders": "🔒 Ця кімната не може отримувати зведення чи сповіщення: у ній є люди, які не є координаторами AidBridge (учасники або запрошені). Підпишіться в кімнаті лише з координаторами або в особистому чаті.",
    "rooms.held": "⏸ Зведення та сповіщення для цієї кімнати призупинено: у ній з'явився хтось, хто не є координатором AidBridge (учасник або запрошений). Сюди нічого не надсилатиметься, доки в кімнаті знову не будуть лише координатори; тоді надсилання відновиться саме. Скасувати підписку: /unsubscribe НОМЕР.",
    "rooms.released": "▶️ У кімнаті знову лише координатори: зведення відновлено. Наступне зведення охопить і час паузи; сповіщення за цей час не повторюються.",
    "rooms.sub_paused": "⏸ призупинено: у кімнаті є не лише координатори",
    "rooms.invite_declined": "Я приймаю запрошення до груп лише від учасників AidBridge.",
    "backup.store_done": "🔐 Сховище ключів Matrix скопійовано поруч:\n<code>{path}</code> (файлів: {files})",
    "backup.store_failed": "⚠️ Сховище ключів Matrix НЕ скопійовано: {error}. Без нього відновлений бот не прочитає зашифровані кімнати.",
}

DE: dict[str, str] = {
    "rooms.outsiders_coordinator": "🔒 Hier nicht: In diesem Raum sind Personen, die keine Koordinator·innen von AidBridge sind (Mitglieder oder Eingeladene). Fragen Sie mich im privaten Chat oder in einem Raum nur mit Koordinator·innen.",
    "rooms.outsiders_admin": "🔒 Hier nicht: In diesem Raum sind Personen, die keine Administrator·innen von AidBridge sind (Mitglieder oder Eingeladene). Fragen Sie mich im privaten Chat.",
    "rooms.open_history": "🔒 Hier nicht: Den Verlauf dieses Raums sehen auch alle, die später beitreten, also läse jede weitere eingeladene Person die Antwort. Fragen Sie mich im privaten Chat, oder stellen Sie in den Raumeinstellungen ein, wer den Verlauf lesen darf: „Nur Mitglieder (ab ihrem Beitritt)“.",
    "rooms.others_present": "🔒 Hier nicht: In diesem Chat ist außer Ihnen noch jemand (Mitglied oder eingeladen). Schreiben Sie mir in einem Chat nur mit mir.",
    "rooms.subscribe_outsiders": "🔒 Dieser Raum kann keine Übersichten oder Meldungen erhalten: In ihm sind Personen, die keine Koordinator·innen von AidBridge sind (Mitglieder oder Eingeladene). Abonnieren Sie in einem Raum nur mit Koordinator·innen oder im privaten Chat.",
    "rooms.held": "⏸ Übersichten und Meldungen für diesen Raum sind angehalten: Jemand, der keine Koordinationsrolle bei AidBridge hat, ist jetzt im Raum (Mitglied oder eingeladen). Hierher geht nichts, bis wieder nur Koordinator·innen im Raum sind; dann geht es von selbst weiter. Abo beenden: /unsubscribe NUMMER.",
    "rooms.released": "▶️ Im Raum sind wieder nur Koordinator·innen: Die Übersichten gehen weiter. Die nächste Übersicht deckt auch die Pause ab; Meldungen aus dieser Zeit werden nicht wiederholt.",
    "rooms.sub_paused": "⏸ angehalten: im Raum sind nicht nur Koordinator·innen",
    "rooms.invite_declined": "Einladungen in Gruppen nehme ich nur von Mitgliedern von AidBridge an.",
    "backup.store_done": "🔐 Der Matrix-Schlüsselspeicher wurde daneben kopiert:\n<code>{path}</code> (Dateien: {files})",
    "backup.store_failed": "⚠️ Der Matrix-Schlüsselspeicher wurde NICHT kopiert: {error}. Ohne ihn kann ein wiederhergestellter Bot verschlüsselte Räume nicht lesen.",
}

EN: dict[str, str] = {
    "rooms.outsiders_coordinator": "🔒 Not shown here: this room has people in it who are not AidBridge coordinators (members or invited). Ask me in a private chat, or in a room of coordinators only.",
    "rooms.outsiders_admin": "🔒 Not shown here: this room has people in it who are not AidBridge admins (members or invited). Ask me in a private chat.",
    "rooms.open_history": "🔒 Not shown here: people who join this room later can read its history, so everyone invited next would read the answer. Ask me in a private chat, or set who may read the history in the room's settings to “Members only (since they joined)”.",
    "rooms.others_present": "🔒 Not shown here: someone besides you is in this chat (a member or invited). Write to me in a chat with only me.",
    "rooms.subscribe_outsiders": "🔒 This room cannot receive digests or alerts: it has people in it who are not AidBridge coordinators (members or invited). Subscribe in a room of coordinators only, or in a private chat.",
    "rooms.held": "⏸ Digests and alerts for this room are paused: someone who is not an AidBridge coordinator is now in it (a member or invited). Nothing is sent here until the room holds only coordinators again; then they resume by themselves. To stop them: /unsubscribe NUMBER.",
    "rooms.released": "▶️ Only coordinators in this room again: digests resume. The next digest also covers the pause; alerts from that time are not repeated.",
    "rooms.sub_paused": "⏸ paused: the room holds people who are not coordinators",
    "rooms.invite_declined": "I accept group invitations only from AidBridge members.",
    "backup.store_done": "🔐 Matrix key store copied beside it:\n<code>{path}</code> ({files} file(s))",
    "backup.store_failed": "⚠️ The Matrix key store was NOT copied: {error}. Without it a restored bot cannot read its encrypted rooms.",
}
