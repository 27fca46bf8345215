"""The item catalog as plain data: what the NRW aid programme ships to Dnipropetrovsk oblast.

Kept apart from the matching code so that adding an item or a synonym is a one-line change a
coordinator can review. ``handlers.requests.catalog`` turns these rows into typed models and indexes.

Synonyms are "|"-separated and deliberately include plural and inflected forms. A synonym
written "=name" is narrower than the item (a drug name under its group, a fuel type): it finds
the item, and the line keeps the name as typed in its specification, so "=ібупрофен" is stored
as painkillers *with* "=ібупрофен", never reduced to "painkillers". Ukrainian nouns
change after numerals ("2 генератори", "6 генераторів"), German has plural umlauts ("Zelt",
"Zelte"), and people type what they say. Matching is case- and accent-insensitive, so each form
is written once. A synonym may belong to one item only; tests enforce that.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class CategoryData(NamedTuple):
    key: str
    uk: str
    de: str
    en: str


class ItemData(NamedTuple):
    key: str
    category: str
    unit: str
    uk: str
    de: str
    en: str
    syn_uk: str = ""
    syn_de: str = ""
    syn_en: str = ""


# What one request plausibly asks for, in the item's unit, above which the bot asks before
# storing (a typed 200000 where 20 was meant). Generous on purpose: the aim is to catch slips
# of the thumb, not to judge needs; 370 generators went out in one real delivery.
# Things bought by the piece or by the metre: a bare number could be either, so it is asked.
COUNT_OR_LENGTH: Final = frozenset({"hose"})

_PLAUSIBLE_BY_UNIT: Final = {
    "pcs": 20_000,
    "packs": 20_000,
    "boxes": 5_000,
    "pallets": 200,
    "sets": 2_000,
    "pairs": 20_000,
    "bottles": 20_000,
    "ampoules": 100_000,
    "rolls": 10_000,
    "tubes": 20_000,
    "l": 200_000,
    "ml": 1_000_000,
    "kg": 200_000,
    "t": 1_000,
    "m": 100_000,
}
_PLAUSIBLE_BY_CATEGORY: Final = {"vehicles": 50, "power": 2_000, "shelter": 20_000}
_PLAUSIBLE_BY_ITEM: Final = {
    # Devices a hospital counts on its fingers.
    "ventilator": 100,
    "patient_monitor": 200,
    "defibrillator": 100,
    "oxygen_concentrator": 300,
    "ultrasound": 50,
    "hospital_bed": 2_000,
    "hospital_furniture": 2_000,
    "wheelchair": 1_000,
    "stretcher": 1_000,
    "generator": 1_000,
    "transformer": 200,
    "power_station": 1_000,
    "solar_panel": 5_000,
    "inverter": 1_000,
    "ups": 1_000,
    "water_treatment_unit": 100,
    "pump": 1_000,
    "water_tank": 1_000,
    "mobile_toilet": 500,
    "mobile_shower": 200,
    "tent": 2_000,
    "tent_heater": 2_000,
    "heater": 5_000,
    "modular_house": 500,
    "field_kitchen": 50,
    "washing_machine": 200,
    "starlink": 500,
    "laptop": 1_000,
    "chainsaw": 500,
    # Fuel for generators and boiler houses: a week for a district hospital's 200 kVA
    # generator alone is about 7,000 l, and a hromada fuels several.
    "fuel": 100_000,
    "diesel_fuel": 100_000,
    "petrol": 50_000,
    "engine_oil": 5_000,
}


def plausible_max(row: ItemData) -> int:
    """The largest quantity stored without a question, in ``row.unit``."""
    if row.key in _PLAUSIBLE_BY_ITEM:
        return _PLAUSIBLE_BY_ITEM[row.key]
    by_unit = _PLAUSIBLE_BY_UNIT.get(row.unit, 20_000)
    return min(by_unit, _PLAUSIBLE_BY_CATEGORY.get(row.category, by_unit))


CATEGORIES: Final[tuple[CategoryData, ...]] = (
    CategoryData("medical_supplies", "Медичні вироби", "Medizinprodukte", "Medical supplies"),
    CategoryData("medicines", "Ліки", "Arzneimittel", "Medicines"),
    CategoryData("power", "Енергетика", "Energieversorgung", "Power"),
    CategoryData(
        "water_sanitation", "Вода і санітарія", "Wasser und Hygiene", "Water and sanitation"
    ),
    CategoryData("shelter", "Укриття й обігрів", "Unterkunft und Heizung", "Shelter and heating"),
    CategoryData("vehicles", "Транспорт і техніка", "Fahrzeuge", "Vehicles"),
    CategoryData("food", "Харчування", "Lebensmittel", "Food"),
    CategoryData("other", "Інше", "Sonstiges", "Other"),
)

ITEMS: Final[tuple[ItemData, ...]] = (
    # --- medical supplies: wound care, consumables, devices, hospital furniture ---
    ItemData(
        "bandages",
        "medical_supplies",
        "packs",
        "Бинт",
        "Mullbinde",
        "Bandage",
        "бинти|бинтів|бинта|бинтом|марлевий бинт|марлеві бинти|марлевих бинтів"
        "|еластичний бинт|еластичні бинти|еластичних бинтів"
        "|бинтов|марлевые бинты|марлевых бинтов|эластичные бинты|эластичных бинтов",
        "Binde|Binden|Mullbinden|Elastikbinde|Elastikbinden|Fixierbinde|Fixierbinden"
        "|Verband|Verbände|Bandagen",
        "bandages|gauze bandage|gauze bandages|elastic bandage|elastic bandages|roller bandage",
    ),
    ItemData(
        "gauze",
        "medical_supplies",
        "packs",
        "Марля",
        "Verbandmull",
        "Gauze",
        "марлі|марлю|марлею|медична марля|марлеві серветки|марлевих серветок"
        "|медицинская марля|марлевые салфетки|марлевых салфеток",
        "Mull|Gaze|Mullkompresse|Mullkompressen|Kompresse|Kompressen",
        "gauze swab|gauze swabs|gauze pad|gauze pads|sterile gauze",
    ),
    ItemData(
        "dressings",
        "medical_supplies",
        "packs",
        "Перев'язувальний матеріал",
        "Wundauflage",
        "Wound dressing",
        "перев'язувальні матеріали|перев'язувальних матеріалів|перев'язувального матеріалу"
        "|перев'язувальний|перев'язка|пов'язка|пов'язки|пов'язок|стерильні пов'язки"
        "|пластир|пластирі|пластирів"
        "|перевязочный материал|перевязочные материалы|перевязочных материалов"
        "|перевязочного материала|стерильные повязки|пластырь|пластырей|лейкопластырь",
        "Wundauflagen|Verbandmaterial|Verbandsmaterial|Verbandstoffe|Wundverband"
        "|Pflaster|Heftpflaster",
        "dressing|dressings|wound dressings|dressing material|dressing materials"
        "|plaster|plasters|adhesive bandage|adhesive bandages",
    ),
    ItemData(
        "hemostatic_gauze",
        "medical_supplies",
        "pcs",
        "Гемостатичний бинт",
        "Blutstillende Gaze",
        "Hemostatic gauze",
        "гемостатичні бинти|гемостатичних бинтів|гемостатик|гемостатики|гемостатиків"
        "|кровоспинний бинт|кровоспинні бинти|гемостатична марля|=целокс"
        "|гемостатический бинт|гемостатические бинты|гемостатических бинтов"
        "|кровоостанавливающий бинт|кровоостанавливающие бинты|гемостатическая марля",
        "Hämostatische Gaze|Hämostyptikum|Hämostatikum|Blutstillender Verband|=Quikclot|=Celox",
        "haemostatic gauze|hemostatic dressing|hemostatic dressings|hemostatics|combat gauze",
    ),
    ItemData(
        "tourniquet",
        "medical_supplies",
        "pcs",
        "Турнікет",
        "Tourniquet",
        "Tourniquet",
        "турнікети|турнікетів|турнікета|джгут|джгути|джгутів|кровоспинний джгут|кровоспинні джгути"
        "|жгут|жгуты|жгутов|кровоостанавливающий жгут|турникетов",
        "Tourniquets|Abbindesystem|Abbindesysteme|Aderpresse|Aderpressen|Abbinder",
        "tourniquets|cat tourniquet|cat tourniquets",
    ),
    ItemData(
        "first_aid_kit",
        "medical_supplies",
        "pcs",
        "Аптечка",
        "Erste-Hilfe-Set",
        "First aid kit",
        "аптечки|аптечок|аптечку|тактична аптечка|тактичні аптечки|тактичних аптечок"
        "|індивідуальна аптечка|автомобільна аптечка"
        "|аптечек|тактическая аптечка|тактические аптечки|тактических аптечек"
        "|индивидуальная аптечка|автомобильная аптечка",
        "Erste-Hilfe-Sets|Erste-Hilfe-Kasten|Verbandkasten|Verbandskasten|Verbandkästen"
        "|Sanitätstasche|Notfallrucksack",
        "first aid kits|ifak|ifaks|medical kit|trauma kit",
    ),
    ItemData(
        "syringe",
        "medical_supplies",
        "pcs",
        "Шприц",
        "Spritze",
        "Syringe",
        "шприци|шприців|шприца|шприцу|одноразові шприци|одноразових шприців|одноразовий шприц"
        "|інсулінові шприци|інсулінових шприців"
        "|шприцов|одноразовые шприцы|одноразовых шприцов|инсулиновые шприцы|инсулиновых шприцов",
        "Spritzen|Einwegspritze|Einwegspritzen|Einmalspritze|Einmalspritzen|Insulinspritzen",
        "syringes|disposable syringe|disposable syringes|insulin syringe|insulin syringes",
    ),
    ItemData(
        "needle",
        "medical_supplies",
        "pcs",
        "Ін'єкційна голка",
        "Kanüle",
        "Injection needle",
        "голка|голки|голок|ін'єкційні голки|ін'єкційних голок"
        "|игла|иглы|игл|иголки|инъекционные иглы|инъекционных игл",
        "Kanülen|Injektionsnadel|Injektionsnadeln|Nadel|Nadeln",
        "needle|needles|injection needles|hypodermic needle|hypodermic needles",
    ),
    ItemData(
        "iv_cannula",
        "medical_supplies",
        "pcs",
        "Венозний катетер",
        "Venenverweilkanüle",
        "IV cannula",
        "венозні катетери|венозних катетерів|канюля|канюлі|канюль|внутрішньовенний катетер"
        "|венозные катетеры|венозных катетеров|внутривенный катетер",
        "Venenverweilkanülen|Braunüle|Braunülen|Venenkatheter|Flexüle|Katheter",
        "iv cannulas|cannula|cannulas|iv catheter|iv catheters|catheter|catheters",
    ),
    ItemData(
        "infusion_set",
        "medical_supplies",
        "pcs",
        "Система для інфузій",
        "Infusionsbesteck",
        "Infusion set",
        "системи для інфузій|систем для інфузій|інфузійна система|інфузійні системи"
        "|інфузійних систем|система для переливання|системи для переливання"
        "|крапельниця|крапельниці|крапельниць"
        "|капельница|капельницы|капельниц|инфузионная система|инфузионные системы"
        "|инфузионных систем|система для переливания|системы для переливания",
        "Infusionsbestecke|Infusionssystem|Infusionssysteme|Infusionsleitung|Infusionsleitungen",
        "infusion sets|iv set|iv sets|giving set|giving sets|drip set|drip sets|iv line|iv lines",
    ),
    ItemData(
        "gloves",
        "medical_supplies",
        "boxes",
        "Медичні рукавички",
        "Einmalhandschuhe",
        "Medical gloves",
        "рукавички|рукавичок|нітрилові рукавички|нітрилових рукавичок|оглядові рукавички"
        "|хірургічні рукавички|стерильні рукавички|медичних рукавичок"
        "|перчатки|перчаток"
        "|медицинские перчатки|медицинских перчаток|нитриловые перчатки|нитриловых перчаток"
        "|смотровые перчатки|хирургические перчатки|стерильные перчатки",
        "Handschuhe|Untersuchungshandschuhe|Nitrilhandschuhe|Einweghandschuhe|OP-Handschuhe"
        "|Medizinische Handschuhe",
        "gloves|nitrile gloves|examination gloves|exam gloves|surgical gloves|disposable gloves",
    ),
    ItemData(
        "face_mask",
        "medical_supplies",
        "packs",
        "Медична маска",
        "OP-Maske",
        "Face mask",
        "маска|маски|масок|медичні маски|медичних масок|респіратор|респіратори|респіраторів"
        "|медицинская маска|медицинские маски|медицинских масок|респираторов",
        "Maske|Masken|OP-Masken|Mund-Nasen-Schutz|Atemschutzmaske|Atemschutzmasken"
        "|FFP2-Maske|FFP2-Masken",
        "mask|masks|face masks|surgical mask|surgical masks|respirator|respirators|ffp2 masks",
    ),
    ItemData(
        "surgical_instruments",
        "medical_supplies",
        "sets",
        "Набір хірургічних інструментів",
        "Chirurgisches Instrumentenset",
        "Surgical instrument set",
        "хірургічні інструменти|хірургічних інструментів|хірургічний інструмент"
        "|хірургічний набір|хірургічні набори|хірургічних наборів|скальпель|скальпелі"
        "|скальпелів"
        "|хирургические инструменты|хирургических инструментов|хирургический инструмент"
        "|хирургический набор|хирургические наборы|скальпелей",
        "Chirurgische Instrumente|Chirurgisches Besteck|OP-Besteck|OP-Instrumente"
        "|Skalpell|Skalpelle",
        "surgical instruments|surgical instrument|surgical kit|scalpel|scalpels",
    ),
    ItemData(
        "sutures",
        "medical_supplies",
        "packs",
        "Шовний матеріал",
        "Nahtmaterial",
        "Suture material",
        "шовного матеріалу|шовні матеріали|хірургічні нитки|хірургічних ниток|кетгут"
        "|шовного материала|шовные материалы|хирургические нити|хирургических нитей",
        "Chirurgisches Nahtmaterial|Nahtmaterialien|Chirurgische Fäden",
        "sutures|suture|surgical sutures",
    ),
    ItemData(
        "hospital_bed",
        "medical_supplies",
        "pcs",
        "Лікарняне ліжко",
        "Krankenhausbett",
        "Hospital bed",
        "лікарняні ліжка|лікарняних ліжок|лікарняного ліжка|ліжко|ліжка|ліжок"
        "|медичне ліжко|медичні ліжка|медичних ліжок|функціональне ліжко|функціональні ліжка"
        "|функціональних ліжок|реанімаційне ліжко|реанімаційні ліжка"
        "|больничная кровать|больничные кровати|больничных кроватей|медицинская кровать"
        "|медицинские кровати|функциональная кровать|функциональные кровати"
        "|функциональных кроватей|реанимационная кровать",
        "Krankenhausbetten|Krankenbett|Krankenbetten|Pflegebett|Pflegebetten|Klinikbett"
        "|Klinikbetten|Intensivbett|Bett|Betten",
        "hospital beds|medical bed|medical beds|patient bed|patient beds|bed|beds|icu bed",
    ),
    ItemData(
        "hospital_furniture",
        "medical_supplies",
        "pcs",
        "Лікарняні меблі",
        "Krankenhausmöbel",
        "Hospital furniture",
        "меблі|меблів|медичні меблі|медичних меблів|лікарняних меблів|приліжкова тумба"
        "|приліжкові тумби|медична шафа|медичні шафи|кушетка|кушетки|кушеток"
        "|мебель|мебели|медицинская мебель|медицинской мебели|больничная мебель"
        "|прикроватная тумбочка|прикроватные тумбочки|тумбочка|тумбочки|медицинский шкаф"
        "|медицинские шкафы",
        "Krankenhausmobiliar|Klinikmöbel|Möbel|Nachttisch|Nachttische|Untersuchungsliege"
        "|Untersuchungsliegen|Liege|Liegen",
        "furniture|medical furniture|bedside cabinet|bedside cabinets|examination couch"
        "|treatment couch",
    ),
    ItemData(
        "stretcher",
        "medical_supplies",
        "pcs",
        "Ноші",
        "Krankentrage",
        "Stretcher",
        "нош|евакуаційні ноші|м'які ноші|ноші-волокуші|волокуші|волокуша|каталка|каталки|каталок"
        "|носилки|носилок|эвакуационные носилки|мягкие носилки|носилки-волокуши",
        "Trage|Tragen|Krankentragen|Rettungstrage|Rettungstragen|Schleiftrage|Schaufeltrage"
        "|Rolltrage",
        "stretchers|litter|litters|gurney|gurneys|evacuation stretcher",
    ),
    ItemData(
        "wheelchair",
        "medical_supplies",
        "pcs",
        "Інвалідний візок",
        "Rollstuhl",
        "Wheelchair",
        "інвалідні візки|інвалідних візків|інвалідного візка|крісло колісне|крісла колісні"
        "|крісел колісних|візок інвалідний|візки інвалідні"
        "|инвалидная коляска|инвалидные коляски|инвалидных колясок|инвалидной коляски"
        "|коляска инвалидная|кресло-коляска|кресла-коляски|кресел-колясок",
        "Rollstühle|Rollstuhls|Rollstühlen|Faltrollstuhl",
        "wheelchairs|wheel chair|wheel chairs",
    ),
    ItemData(
        "crutches",
        "medical_supplies",
        "pairs",
        "Милиці",
        "Unterarmgehstützen",
        "Crutches",
        "милиця|милиць|милицю|костыли|костылей|костыль",
        "Gehstützen|Gehstütze|Krücken|Krücke|Unterarmgehstütze",
        "crutch",
    ),
    ItemData(
        "patient_monitor",
        "medical_supplies",
        "pcs",
        "Монітор пацієнта",
        "Patientenmonitor",
        "Patient monitor",
        "монітори пацієнта|моніторів пацієнта|кардіомонітор|кардіомонітори|кардіомоніторів"
        "|приліжковий монітор"
        "|мониторов пациента|кардиомониторов|прикроватный монитор",
        "Patientenmonitore|Überwachungsmonitor|Vitaldatenmonitor|Monitor",
        "patient monitors|vital signs monitor|bedside monitor|monitor",
    ),
    ItemData(
        "defibrillator",
        "medical_supplies",
        "pcs",
        "Дефібрилятор",
        "Defibrillator",
        "Defibrillator",
        "дефібрилятори|дефібриляторів|дефібрилятора|автоматичний зовнішній дефібрилятор"
        "|дефибриллятор|дефибрилляторы|дефибрилляторов|дефибриллятора"
        "|автоматический наружный дефибриллятор",
        "Defibrillatoren|Defi|Defis|AED",
        "defibrillators|aeds|defib",
    ),
    ItemData(
        "ventilator",
        "medical_supplies",
        "pcs",
        "Апарат ШВЛ",
        "Beatmungsgerät",
        "Ventilator",
        "швл|апарати швл|апаратів швл|апарат штучної вентиляції легень"
        "|апарати штучної вентиляції легень"
        "|ивл|аппарат ивл|аппараты ивл|аппаратов ивл|аппарат искусственной вентиляции легких",
        "Beatmungsgeräte|Intensivbeatmungsgerät|Transportbeatmungsgerät",
        "ventilators|mechanical ventilator|breathing machine",
    ),
    ItemData(
        "oxygen_concentrator",
        "medical_supplies",
        "pcs",
        "Кисневий концентратор",
        "Sauerstoffkonzentrator",
        "Oxygen concentrator",
        "кисневі концентратори|кисневих концентраторів|концентратор кисню|концентратори кисню"
        "|концентраторів кисню"
        "|кислородный концентратор|кислородные концентраторы|кислородных концентраторов"
        "|концентратор кислорода|концентраторы кислорода|концентраторов кислорода",
        "Sauerstoffkonzentratoren|Sauerstoffgerät|Sauerstoffgeräte",
        "oxygen concentrators|o2 concentrator",
    ),
    ItemData(
        "ultrasound",
        "medical_supplies",
        "pcs",
        "Апарат УЗД",
        "Ultraschallgerät",
        "Ultrasound scanner",
        "узд|апарати узд|апаратів узд|ультразвуковий апарат|ультразвуковий сканер"
        "|узи|аппарат узи|аппараты узи|аппаратов узи|ультразвуковой аппарат"
        "|ультразвуковой сканер",
        "Ultraschallgeräte|Ultraschall|Sonografiegerät",
        "ultrasound|ultrasound machine|ultrasound machines|ultrasound scanners",
    ),
    ItemData(
        "rescue_blanket",
        "medical_supplies",
        "pcs",
        "Термоковдра",
        "Rettungsdecke",
        "Rescue blanket",
        "термоковдри|термоковдр|ізотермічна ковдра|ізотермічні ковдри|рятувальна ковдра"
        "|термоодеяло|термоодеяла|термоодеял|спасательное одеяло|спасательные одеяла"
        "|изотермическое одеяло|изотермические одеяла",
        "Rettungsdecken|Notfalldecke|Rettungsfolie",
        "rescue blankets|emergency blanket|emergency blankets|space blanket|thermal blanket"
        "|foil blanket",
    ),
    # --- medicines ---
    ItemData(
        "antibiotics",
        "medicines",
        "packs",
        "Антибіотики",
        "Antibiotika",
        "Antibiotics",
        "антибіотик|антибіотиків|антибіотика|антибактеріальні препарати"
        "|антибактеріальних препаратів|=амоксицилін|=цефтріаксон"
        "|антибиотиков|антибактериальные препараты|антибактериальных препаратов|=цефтріаксону"
        "|=амоксициліну|=амоксициллин|=азитроміцин|=кларитроміцин|=доксициклін|=ампіцилін"
        "|=ампіциліну|=ампициллин|=бензилпеніцилін|=бензилпенициллин|=цефазолін|=цефазоліну"
        "|=цефуроксим|=цефуроксиму|=цефотаксим|=цефотаксиму|=цефтазидим|=цефепім|=цефіксим"
        "|=цефалексин|=ципрофлоксацин|=левофлоксацин|=метронідазол|=метронідазолу|=гентаміцин"
        "|=гентаміцину|=амікацин|=амікацину|=ванкоміцин|=ванкоміцину|=меропенем|=меропенему"
        "|=іміпенем|=піперацилін|=пиперациллин|=лінезолід|=кліндаміцин|=колістин|=ко-тримоксазол"
        "|=нітрофурантоїн|=фосфоміцин",
        "Antibiotikum|Antibiotikums"
        "|=Ceftriaxon|=Cefuroxim|=Cefotaxim|=Ceftazidim|=Cefepim|=Cefixim|=Doxycyclin"
        "|=Metronidazol|=Cotrimoxazol",
        "antibiotic|antibacterials|=amoxicillin|=ceftriaxone"
        "|=azithromycin|=clarithromycin|=doxycycline|=ampicillin|=benzylpenicillin|=cefazolin"
        "|=cefuroxime|=cefotaxime|=ceftazidime|=cefepime|=cefixime|=cefalexin|=ciprofloxacin"
        "|=levofloxacin|=metronidazole|=gentamicin|=amikacin|=vancomycin|=meropenem|=imipenem"
        "|=piperacillin|=linezolid|=clindamycin|=colistin|=co-trimoxazole|=nitrofurantoin"
        "|=fosfomycin",
    ),
    ItemData(
        "painkillers",
        "medicines",
        "packs",
        "Знеболювальні",
        "Schmerzmittel",
        "Painkillers",
        "знеболювальне|знеболювальних|знеболювальні засоби|знеболювальних засобів"
        "|знеболюючі|знеболюючих|знеболююче|анальгетики|анальгетиків|анальгетик"
        "|=парацетамол|=ібупрофен|=кеторолак"
        "|обезболивающие|обезболивающих|обезболивающее|обезболивающие средства"
        "|обезболивающих средств|анальгетиков|=парацетамолу|=ібупрофену|=кеторолаку|=метамізол"
        "|=метамізолу|=метамізол натрію|=метамизол натрия|=анальгін|=анальгіну|=диклофенак"
        "|=диклофенаку|=трамадол|=трамадолу",
        "Schmerzmitteln|Schmerztabletten|Analgetika|Analgetikum|Schmerzmedikamente"
        "|=Ibuprofen|=Paracetamol"
        "|=Metamizol|=Novaminsulfon",
        "painkiller|pain killers|pain relievers|pain medication|analgesics|analgesic|=acetaminophen"
        "|=ketorolac|=metamizole|=dipyrone|=diclofenac|=tramadol",
    ),
    ItemData(
        "antihypertensives",
        "medicines",
        "packs",
        "Препарати від тиску",
        "Blutdrucksenker",
        "Blood pressure medication",
        "антигіпертензивні|антигіпертензивні препарати|антигіпертензивних препаратів"
        "|гіпотензивні|гіпотензивні препарати|гіпотензивних препаратів|ліки від тиску"
        "|препаратів від тиску|таблетки від тиску|ліки від гіпертонії|=еналаприл|=амлодипін"
        "|=лізиноприл"
        "|от давления|таблетки от давления|лекарства от давления|лекарство от давления"
        "|препараты от давления|препаратов от давления|гипотензивные|гипотензивные препараты"
        "|гипотензивных препаратов|антигипертензивные препараты|антигипертензивных препаратов"
        "|=бісопролол|=метопролол|=лозартан|=каптоприл|=раміприл",
        "Blutdruckmittel|Blutdrucksenkende Mittel|Blutdrucksenkende Medikamente"
        "|Blutdruckmedikamente|Blutdrucktabletten|Antihypertensiva|Antihypertonika"
        "|=Amlodipin",
        "antihypertensives|antihypertensive|blood pressure medicine|blood pressure medicines"
        "|blood pressure medications|blood pressure pills|hypertension medication|=enalapril"
        "|=amlodipine|=lisinopril"
        "|=bisoprolol|=metoprolol|=losartan|=captopril|=ramipril",
    ),
    ItemData(
        "insulin",
        "medicines",
        "packs",
        "Інсулін",
        "Insulin",
        "Insulin",
        "інсуліну|інсуліни|інсулінів|інсулінові ручки|інсулінові шприц-ручки"
        "|инсулиновые ручки|инсулиновые шприц-ручки",
        "Insuline|Insulinpen|Insulinpens",
        "insulins|insulin pen|insulin pens",
    ),
    ItemData(
        "iv_fluids",
        "medicines",
        "bottles",
        "Інфузійні розчини",
        "Infusionslösungen",
        "IV fluids",
        "інфузійний розчин|інфузійних розчинів|розчини для інфузій|розчинів для інфузій"
        "|розчин для інфузій|=фізрозчин|=фізрозчину|=фізіологічний розчин"
        "|=фізіологічного розчину|=натрію хлорид|=розчин рінгера|=рінгер|=глюкоза|=глюкози"
        "|инфузионный раствор|инфузионные растворы|инфузионных растворов|растворы для инфузий"
        "|раствор для инфузий|=физраствор|=физраствора|=физиологический раствор"
        "|=физиологического раствора|=натрію хлориду|=натрия хлорид|=натрия хлорида"
        "|=раствор рингера|=рінгер-лактат|=калію хлорид|=калия хлорид|=натрію гідрокарбонат"
        "|=натрия гидрокарбонат",
        "Infusionslösung|=Kochsalzlösung|=Kochsalzlösungen|=Ringerlösung|=Ringer-Laktat"
        "|=Glukoselösung|Infusionen|=NaCl"
        "|=Kaliumchlorid|=Natriumhydrogencarbonat|=Natriumbicarbonat",
        "iv fluid|intravenous fluids|infusion solution|infusion solutions|=saline"
        "|=normal saline|=ringers|=ringer lactate|=glucose solution"
        "|=sodium chloride|=potassium chloride|=sodium bicarbonate|=glucose|=dextrose",
    ),
    ItemData(
        "antiseptic",
        "medicines",
        "bottles",
        "Антисептик",
        "Antiseptikum",
        "Antiseptic",
        "антисептики|антисептиків|антисептика|=хлоргексидин|=хлоргексидину|=перекис водню"
        "|=перекису водню|=йод|=йоду|=бетадин|=повідон-йод|=медичний спирт|=спирт медичний"
        "|антисептиков|=перекись водорода|=перекиси водорода|=медицинский спирт"
        "|=спирт медицинский|=етиловий спирт|=етанол|=повідон-йоду|=октенідин|=октенісепт",
        "Antiseptika|Wundantiseptikum|Wunddesinfektion|=Wasserstoffperoxid|=Jod|=Jodlösung"
        "|=Betaisodona|=Octenisept|=Chlorhexidin"
        "|=Povidon-Iod|=Octenidin|=Ethanol",
        "antiseptics|=chlorhexidine|=hydrogen peroxide|=iodine|=povidone iodine|=betadine"
        "|=medical alcohol|=rubbing alcohol"
        "|=octenidine",
    ),
    ItemData(
        "anaesthetics",
        "medicines",
        "packs",
        "Анестетики",
        "Anästhetika",
        "Anaesthetics",
        "анестетик|анестетиків|місцеві анестетики|засоби для наркозу|препарати для наркозу"
        "|наркоз|=лідокаїн|=лідокаїну|=новокаїн|=кетамін|=пропофол"
        "|анестетиков|местные анестетики|средства для наркоза|препараты для наркоза|=кетаміну"
        "|=пропофолу|=прокаїн|=бупівакаїн|=бупівакаїну|=севофлуран|=ізофлуран|=тіопентал",
        "Anästhetikum|Narkosemittel|Lokalanästhetika|Lokalanästhetikum|=Lidocain|=Ketamin|=Propofol"
        "|=Procain|=Bupivacain|=Sevofluran|=Isofluran|=Thiopental",
        "anesthetics|anaesthetic|anesthetic|local anaesthetics|=lidocaine|=ketamine"
        "|=procaine|=bupivacaine|=sevoflurane|=isoflurane",
    ),
    ItemData(
        "cardiac_medicines",
        "medicines",
        "packs",
        "Серцеві препарати",
        "Herzmedikamente",
        "Cardiac medicines",
        "серцеві ліки|серцевих препаратів|кардіологічні препарати|кардіологічних препаратів"
        "|ліки для серця|антиаритмічні препарати|=аміодарон|=нітрогліцерин"
        "|сердечные препараты|сердечных препаратов|сердечные лекарства"
        "|кардиологические препараты|кардиологических препаратов|лекарства для сердца"
        "|антиаритмические препараты|=аміодарону|=нітрогліцерину|=дигоксин|=верапаміл"
        "|=ізосорбіду динітрат|=изосорбида динитрат|=допамін|=дофамін|=клопідогрель"
        "|=аторвастатин|=симвастатин",
        "Herzmittel|Herzmedikament|Kardiaka|Antiarrhythmika|=Nitroglycerin|=Amiodaron"
        "|=Isosorbiddinitrat|=Dopamin",
        "cardiac drugs|heart medication|heart medicines|cardiac medication|antiarrhythmics"
        "|=amiodarone"
        "|=glyceryl trinitrate|=digoxin|=verapamil|=isosorbide dinitrate|=dopamine|=clopidogrel"
        "|=atorvastatin|=simvastatin",
    ),
    ItemData(
        "anticoagulants",
        "medicines",
        "packs",
        "Антикоагулянти",
        "Antikoagulanzien",
        "Anticoagulants",
        "антикоагулянт|антикоагулянтів|=гепарин|=гепарину|=еноксапарин"
        "|антикоагулянтов|=еноксапарину|=варфарин|=ривароксабан|=апіксабан|=дабігатран",
        "Blutverdünner|Gerinnungshemmer|=Heparin|=Enoxaparin|Antikoagulans",
        "anticoagulant|blood thinners|blood thinner|=warfarin|=rivaroxaban|=apixaban|=dabigatran",
    ),
    ItemData(
        "antidiabetics",
        "medicines",
        "packs",
        "Протидіабетичні препарати",
        "Antidiabetika",
        "Diabetes medication",
        "ліки від діабету|препарати від діабету|цукрознижувальні препарати|=метформін|=метформіну"
        "|лекарства от диабета|препараты от диабета|сахароснижающие препараты|сахароснижающие"
        "|=гліклазид|=глібенкламід|=емпагліфлозин",
        "Diabetesmedikamente|Antidiabetikum|=Metformin|=Gliclazid|=Glibenclamid",
        "antidiabetics|diabetes medicines|diabetes drugs|=gliclazide|=glibenclamide|=empagliflozin",
    ),
    ItemData(
        "vaccines",
        "medicines",
        "packs",
        "Вакцини",
        "Impfstoffe",
        "Vaccines",
        "вакцина|вакцин|правцевий анатоксин|вакцина від правця"
        "|столбнячный анатоксин|вакцина от столбняка",
        "Impfstoff|Tetanusimpfstoff|Tetanus-Impfstoff",
        "vaccine|tetanus vaccine|tetanus toxoid",
    ),
    ItemData(
        "burn_care",
        "medicines",
        "packs",
        "Протиопікові засоби",
        "Brandwundenversorgung",
        "Burn care",
        "протиопікові пов'язки|протиопікових пов'язок|протиопікова пов'язка|протиопіковий гель"
        "|мазь від опіків|засоби від опіків"
        "|противоожоговые повязки|противоожоговых повязок|противоожоговая повязка"
        "|противоожоговый гель|мазь от ожогов|средства от ожогов|=сульфадіазин срібла",
        "Brandgel|Brandwundengel|Verbrennungsgel|Brandwundenverband|Brandwundenverbände|Brandsalbe"
        "|=Silbersulfadiazin",
        "burn dressings|burn dressing|burn gel|burn kit|burn care products|=silver sulfadiazine",
    ),
    ItemData(
        "antihistamines",
        "medicines",
        "packs",
        "Антигістамінні препарати",
        "Antihistaminika",
        "Antihistamines",
        "антигістамінні|антигістамінних препаратів|антигістамінних|протиалергічні|ліки від алергії"
        "|антигистаминные|антигистаминные препараты|антигистаминных препаратов"
        "|противоаллергические|противоаллергические препараты|лекарства от аллергии|=лоратадин"
        "|=цетиризин|=хлоропірамін|=супрастин|=дифенгідрамін|=димедрол",
        "Antihistaminikum|Allergiemittel|Allergietabletten"
        "|=Loratadin|=Cetirizin|=Chloropyramin|=Diphenhydramin",
        "antihistamine|allergy medication|allergy medicines"
        "|=loratadine|=cetirizine|=chloropyramine|=diphenhydramine",
    ),
    # --- power ---
    ItemData(
        "generator",
        "power",
        "pcs",
        "Генератор",
        "Stromerzeuger",
        "Generator",
        "генератори|генераторів|генератора|генератору|генераторами|дизельний генератор"
        "|дизельні генератори|дизельних генераторів|дизель-генератор|дизель-генератори"
        "|дизельгенератор|електрогенератор|електрогенератори|бензиновий генератор"
        "|бензогенератор|бензогенератори"
        "|генераторов|дизельные генераторы|дизельных генераторов|бензиновые генераторы",
        "Generatoren|Notstromaggregat|Notstromaggregate|Notstromaggregaten|Stromaggregat"
        "|Stromaggregate|Aggregat|Aggregate|Stromerzeugern|Dieselgenerator|Dieselgeneratoren"
        "|Notstromgenerator",
        "generators|genset|gensets|power generator|diesel generator|diesel generators"
        "|backup generator",
    ),
    ItemData(
        "transformer",
        "power",
        "pcs",
        "Трансформатор",
        "Transformator",
        "Transformer",
        "трансформатори|трансформаторів|трансформатора|трансформаторна підстанція"
        "|трансформаторні підстанції|підстанція|підстанції"
        "|трансформаторов|трансформаторная подстанция|трансформаторные подстанции|подстанция"
        "|подстанции",
        "Transformatoren|Trafo|Trafos|Trafostation|Umspanner",
        "transformers|substation|power transformer",
    ),
    ItemData(
        "fuel",
        "power",
        "l",
        "Пальне",
        "Kraftstoff",
        "Fuel",
        "пального|паливо|палива|паливу|пально-мастильні матеріали|пмм"
        "|топливо|топлива|горючее|горючего|гсм|горюче-смазочные материалы",
        "Treibstoff|Treibstoffe|Kraftstoffe|=Heizöl",
        "fuels|=heating oil",
    ),
    # Diesel and petrol are separate lines: a diesel generator cannot run on petrol, and a
    # coordinator filling a tanker must know which.
    ItemData(
        "diesel_fuel",
        "power",
        "l",
        "Дизельне паливо",
        "Dieselkraftstoff",
        "Diesel fuel",
        "дизельного палива|дизельному паливі|дизпаливо|дизпалива|дизпаливу|дизель|дизеля"
        "|дизелю|солярка|солярки|соляри|дп|дизельне пальне|дизельного пального"
        "|дизельное топливо|дизельного топлива|дизтопливо|дизтоплива|дт|соляра",
        "Diesel|Dieselöl|Diesel-Kraftstoff|Dieselkraftstoffs",
        "diesel|gasoil|gas oil",
    ),
    ItemData(
        "petrol",
        "power",
        "l",
        "Бензин",
        "Benzin",
        "Petrol",
        "бензину|бензином|бензин а-95|бензину а-95|бензин а-92|бензину а-92|а-95|а-92"
        "|бензина|бензин аи-95|бензина аи-95|бензин аи-92|бензина аи-92|аи-95|аи-92",
        "Ottokraftstoff|Super|Super E10|Superbenzin|Normalbenzin",
        "gasoline|gas|unleaded|unleaded petrol",
    ),
    ItemData(
        "cable",
        "power",
        "m",
        "Кабель",
        "Kabel",
        "Cable",
        "кабелі|кабелю|кабелів|кабеля|силовий кабель|силового кабелю|електрокабель|провід"
        "|проводи|проводів|подовжувач|подовжувачі|подовжувачів"
        "|кабелей|силовой кабель|силового кабеля|провод|провода|проводов|удлинитель|удлинители"
        "|удлинителей",
        "Kabeln|Stromkabel|Starkstromkabel|Verlängerungskabel|Kabeltrommel|Kabeltrommeln",
        "cables|power cable|power cables|extension cord|extension cords|extension cable"
        "|wire|cable reel",
    ),
    ItemData(
        "battery",
        "power",
        "pcs",
        "Акумулятор",
        "Akku",
        "Battery",
        "акумулятори|акумуляторів|акумулятора|акб|батарея|батареї|батарей|батарейки"
        "|батарейок|акумуляторна батарея|акумуляторні батареї"
        "|аккумулятор|аккумуляторы|аккумуляторов|аккумулятора|аккумуляторная батарея"
        "|аккумуляторные батареи",
        "Akkus|Akkumulator|Batterie|Batterien|Autobatterie|Starterbatterie",
        "batteries|accumulator|car battery|aa batteries",
    ),
    ItemData(
        "power_bank",
        "power",
        "pcs",
        "Павербанк",
        "Powerbank",
        "Power bank",
        "павербанки|павербанків|павербанка|повербанк|повербанки|повербанків"
        "|портативний акумулятор|портативні акумулятори|зовнішній акумулятор"
        "|портативный аккумулятор|портативные аккумуляторы|внешний аккумулятор",
        "Powerbanks|Zusatzakku|Externer Akku",
        "power banks|powerbanks|portable charger",
    ),
    ItemData(
        "power_station",
        "power",
        "pcs",
        "Зарядна станція",
        "Powerstation",
        "Portable power station",
        "зарядні станції|зарядних станцій|зарядну станцію|портативна зарядна станція"
        "|портативні зарядні станції|екофлоу"
        "|зарядная станция|зарядные станции|портативная зарядная станция"
        "|портативные зарядные станции",
        "Powerstations|Tragbare Powerstation|Stromspeicher|Akkustation",
        "power station|power stations|portable power stations|charging station|ecoflow|bluetti",
    ),
    ItemData(
        "solar_panel",
        "power",
        "pcs",
        "Сонячна панель",
        "Solarmodul",
        "Solar panel",
        "сонячні панелі|сонячних панелей|сонячну панель|сонячна батарея|сонячні батареї"
        "|сонячних батарей"
        "|солнечная панель|солнечные панели|солнечных панелей|солнечная батарея"
        "|солнечные батареи|солнечных батарей",
        "Solarmodule|Solarpanel|Solarpanels|Solarpaneele|PV-Modul|PV-Module|Photovoltaikmodul",
        "solar panels|solar module|solar modules|pv panel|pv panels",
    ),
    ItemData(
        "inverter",
        "power",
        "pcs",
        "Інвертор",
        "Wechselrichter",
        "Inverter",
        "інвертори|інверторів|інвертора|гібридний інвертор|инверторов",
        "Wechselrichtern",
        "inverters|power inverter|hybrid inverter",
    ),
    ItemData(
        "ups",
        "power",
        "pcs",
        "Джерело безперебійного живлення",
        "USV",
        "UPS",
        "дбж|безперебійник|безперебійники|безперебійників|джерела безперебійного живлення"
        "|ибп|бесперебойник|бесперебойники|бесперебойников|источник бесперебойного питания"
        "|источники бесперебойного питания",
        "USV-Anlage|USV-Anlagen|Unterbrechungsfreie Stromversorgung",
        "uninterruptible power supply|ups units",
    ),
    ItemData(
        "flashlight",
        "power",
        "pcs",
        "Ліхтарик",
        "Taschenlampe",
        "Torch",
        "ліхтарики|ліхтариків|ліхтар|ліхтарі|ліхтарів|налобний ліхтар|налобні ліхтарі"
        "|налобних ліхтарів|кемпінговий ліхтар"
        "|фонарик|фонарики|фонариков|фонарь|фонари|фонарей|налобный фонарь|налобные фонари"
        "|налобных фонарей|кемпинговый фонарь",
        "Taschenlampen|Stirnlampe|Stirnlampen|Campinglampe|Laterne|Laternen",
        "torches|flashlight|flashlights|headlamp|headlamps|headtorch|lantern|lanterns",
    ),
    ItemData(
        "floodlight",
        "power",
        "pcs",
        "Прожектор",
        "Baustrahler",
        "Floodlight",
        "прожектори|прожекторів|прожектора|світлодіодний прожектор|освітлювальна щогла"
        "|освітлювальна вежа"
        "|прожекторов|светодиодный прожектор",
        "Strahler|Scheinwerfer|LED-Strahler|Flutlicht|Lichtmast|Beleuchtungsmast",
        "floodlights|work light|work lights|light tower|lighting tower",
    ),
    ItemData(
        "fuel_canister",
        "power",
        "pcs",
        "Каністра",
        "Kanister",
        "Jerrycan",
        "каністри|каністр|каністру|каністра для пального|канистра для топлива",
        "Benzinkanister|Dieselkanister|Reservekanister",
        "jerrycans|jerry can|jerry cans|fuel can|fuel canister|canister|canisters",
    ),
    # --- water and sanitation ---
    ItemData(
        "water_treatment_unit",
        "water_sanitation",
        "pcs",
        "Водоочисна установка",
        "Wasseraufbereitungsanlage",
        "Water treatment unit",
        "водоочисні установки|водоочисних установок|водоочисну установку"
        "|установка очищення води|установки очищення води|станція очищення води"
        "|станція водоочищення|водоочисна станція|водоочисні станції"
        "|мобільна водоочисна станція|водоочищувальна установка"
        "|водоочистная установка|водоочистные установки|водоочистных установок"
        "|установка очистки воды|установки очистки воды|станция очистки воды"
        "|водоочистная станция",
        "Wasseraufbereitungsanlagen|Wasseraufbereitung|Trinkwasseraufbereitungsanlage"
        "|Trinkwasseraufbereitungsanlagen|Trinkwasseraufbereitung|Wasseraufbereiter"
        "|Wasserreinigungsanlage",
        "water treatment units|water treatment plant|water purification unit"
        "|water purification units|water purifier|water purification system",
    ),
    ItemData(
        "pump",
        "water_sanitation",
        "pcs",
        "Насос",
        "Pumpe",
        "Pump",
        "насоси|насосів|насоса|насосу|помпа|помпи|мотопомпа|мотопомпи|мотопомп|водяний насос"
        "|водяні насоси|насос для води|насоси для води|дренажний насос|дренажні насоси"
        "|занурювальний насос|заглибний насос|фекальний насос"
        "|насосов|погружной насос|погружные насосы|водяной насос|водяные насосы",
        "Pumpen|Wasserpumpe|Wasserpumpen|Tauchpumpe|Tauchpumpen|Motorpumpe|Motorpumpen"
        "|Schmutzwasserpumpe|Kreiselpumpe",
        "pumps|water pump|water pumps|submersible pump|motor pump|trash pump|drainage pump",
    ),
    ItemData(
        "water_tank",
        "water_sanitation",
        "pcs",
        "Ємність для води",
        "Wassertank",
        "Water tank",
        "ємності для води|ємностей для води|ємність|ємності|ємностей|бак для води"
        "|баки для води|резервуар|резервуари|резервуарів|єврокуб|єврокуби|єврокубів"
        "|бочка|бочки"
        "|емкость|емкости|емкостей|емкость для воды|емкости для воды|емкостей для воды|еврокубов"
        "|бочки для воды",
        "Wassertanks|Wasserbehälter|Tank|Tanks|IBC-Container|Faltbehälter|Wasserkanister",
        "water tanks|water container|water containers|tank|tanks|ibc tote|ibc|bladder tank",
    ),
    ItemData(
        "drinking_water",
        "water_sanitation",
        "l",
        "Питна вода",
        "Trinkwasser",
        "Drinking water",
        "вода|води|воду|питної води|питну воду|бутильована вода|бутильованої води"
        "|вода в пляшках|мінеральна вода"
        "|питьевая вода|питьевой воды|питьевую воду|бутилированная вода|бутилированной воды"
        "|вода в бутылках|минеральная вода",
        "Wasser|Mineralwasser|Flaschenwasser|Wasserflaschen|Trinkwasserflaschen",
        "water|bottled water|potable water|mineral water",
    ),
    ItemData(
        "water_filter",
        "water_sanitation",
        "pcs",
        "Фільтр для води",
        "Wasserfilter",
        "Water filter",
        "фільтри для води|фільтрів для води|водяний фільтр|водяні фільтри|фільтр|фільтри"
        "|фільтрів|картриджі для фільтрів"
        "|фильтров для воды",
        "Filter|Filterkartusche|Filterkartuschen|Trinkwasserfilter",
        "water filters|filters|filter cartridges|portable water filter",
    ),
    ItemData(
        "water_purification_tablets",
        "water_sanitation",
        "packs",
        "Таблетки для знезараження води",
        "Wasserentkeimungstabletten",
        "Water purification tablets",
        "таблетки для очищення води|таблеток для очищення води|таблеток для знезараження води"
        "|хлорні таблетки|хлорних таблеток|таблетки для води|акватабс"
        "|таблетки для очистки воды|таблеток для очистки воды|таблетки для обеззараживания воды"
        "|таблеток для обеззараживания воды|хлорные таблетки",
        "Wasserreinigungstabletten|Entkeimungstabletten|Chlortabletten"
        "|Wasserdesinfektionstabletten|Micropur",
        "water purification tablet|chlorine tablets|aquatabs|water tablets",
    ),
    ItemData(
        "disinfectant",
        "water_sanitation",
        "l",
        "Дезінфекційний засіб",
        "Desinfektionsmittel",
        "Disinfectant",
        "дезінфекційні засоби|дезінфекційних засобів|дезінфекційного засобу|дезінфектант"
        "|дезінфектанти|дезінфектантів|дезрозчин|дезрозчини|засіб для дезінфекції"
        "|засоби для дезінфекції|засобів для дезінфекції|дезінфекція|санітайзер|санітайзери"
        "|антисептик для рук"
        "|дезинфицирующее средство|дезинфицирующие средства|дезинфицирующих средств"
        "|средство для дезинфекции|средства для дезинфекции|средств для дезинфекции|дезсредство"
        "|дезсредства|дезраствор",
        "Desinfektionsmitteln|Flächendesinfektion|Flächendesinfektionsmittel"
        "|Händedesinfektion|Händedesinfektionsmittel|Handdesinfektionsmittel|Desinfektion"
        "|Sterillium",
        "disinfectants|sanitizer|sanitiser|hand sanitizer|hand sanitiser|surface disinfectant"
        "|disinfection",
    ),
    ItemData(
        "hygiene_kit",
        "water_sanitation",
        "pcs",
        "Гігієнічний набір",
        "Hygieneset",
        "Hygiene kit",
        "гігієнічні набори|гігієнічних наборів|гігієнічного набору|набір гігієни|набори гігієни"
        "|засоби гігієни|засобів гігієни|засоби особистої гігієни|гігієнічні засоби"
        "|гігієнічних засобів"
        "|гигиенический набор|гигиенические наборы|гигиенических наборов|средства гигиены"
        "|средств гигиены|средства личной гигиены",
        "Hygienesets|Hygienepaket|Hygienepakete|Hygieneartikel|Hygienebeutel|Hygieneprodukte",
        "hygiene kits|hygiene products|hygiene items|hygiene supplies|toiletries|dignity kit",
    ),
    ItemData(
        "soap",
        "water_sanitation",
        "pcs",
        "Мило",
        "Seife",
        "Soap",
        "мила|рідке мило|рідкого мила|господарське мило"
        "|жидкое мыло|жидкого мыла|хозяйственное мыло",
        "Seifen|Flüssigseife|Flüssigseifen|Kernseife",
        "liquid soap|bar soap|soaps",
    ),
    ItemData(
        "diapers",
        "water_sanitation",
        "packs",
        "Підгузки",
        "Windeln",
        "Diapers",
        "підгузок|підгузків|підгузники|підгузників|памперси|памперсів|підгузки для дорослих"
        "|дитячі підгузки|пелюшки"
        "|подгузники|подгузников|подгузники для взрослых|детские подгузники|пеленки|пеленок",
        "Windel|Erwachsenenwindeln|Inkontinenzmaterial|Inkontinenzhosen|Babywindeln"
        "|Krankenunterlagen",
        "diaper|nappies|nappy|adult diapers|incontinence pads|baby diapers",
    ),
    ItemData(
        "mobile_toilet",
        "water_sanitation",
        "pcs",
        "Біотуалет",
        "Mobiltoilette",
        "Portable toilet",
        "біотуалети|біотуалетів|мобільний туалет|мобільні туалети|туалетна кабіна"
        "|туалетні кабіни|хімтуалет"
        "|биотуалетов|мобильные туалеты|туалетная кабина|туалетные кабины",
        "Mobiltoiletten|Dixi|Toilettenkabine|Toilettenkabinen|Chemietoilette|Chemietoiletten",
        "portable toilets|chemical toilet|chemical toilets|toilet cabin|porta potty",
    ),
    ItemData(
        "toilet_paper",
        "water_sanitation",
        "rolls",
        "Туалетний папір",
        "Toilettenpapier",
        "Toilet paper",
        "туалетного паперу|папір туалетний|туалетная бумага|туалетной бумаги|бумага туалетная",
        "Klopapier|Toilettenpapierrollen",
        "toilet rolls|loo roll|toilet tissue",
    ),
    ItemData(
        "hose",
        "water_sanitation",
        "pcs",
        "Шланг",
        "Schlauch",
        "Hose",
        "шланги|шлангів|шланга|пожежний рукав|пожежні рукави|пожежних рукавів|напірний рукав"
        "|шлангов|пожарный рукав|пожарные рукава|пожарных рукавов",
        "Schläuche|Feuerwehrschlauch|Feuerwehrschläuche|Wasserschlauch",
        "hoses|fire hose|fire hoses|water hose|garden hose",
    ),
    ItemData(
        "mobile_shower",
        "water_sanitation",
        "pcs",
        "Мобільний душ",
        "Duschcontainer",
        "Mobile shower",
        "мобільні душі|мобільних душів|душова кабіна|душові кабіни|польовий душ|душ"
        "|мобильные души|мобильных душей|душевая кабина|душевые кабины|полевой душ",
        "Mobile Dusche|Feldduschen|Campingdusche|Dusche|Duschen",
        "mobile showers|shower unit|field shower|camp shower|shower|showers",
    ),
    # --- shelter and heating ---
    ItemData(
        "tent",
        "shelter",
        "pcs",
        "Намет",
        "Zelt",
        "Tent",
        "намети|наметів|намета|намету|палатка|палатки|палаток|модульний намет|модульні намети"
        "|армійський намет|пневмокаркасний намет|пневмокаркасні намети"
        "|палатку|армейская палатка|армейские палатки|армейских палаток|модульная палатка"
        "|модульные палатки",
        "Zelte|Zelten|Zelts|Großraumzelt|Großraumzelte|Mannschaftszelt|Sanitätszelt"
        "|Sanitätszelte|Pneumatikzelt|Schnelleinsatzzelt",
        "tents|army tent|field tent|inflatable tent|shelter tent|medical tent",
    ),
    ItemData(
        "tent_heater",
        "shelter",
        "pcs",
        "Обігрівач для намету",
        "Zeltheizung",
        "Tent heater",
        "обігрівачі для наметів|обігрівачів для наметів|обігрівач для наметів|пічка для намету"
        "|пічки для наметів|пічок для наметів|наметова пічка|буржуйка|буржуйки|буржуйок"
        "|пічка|пічки|піч|печі|печка|печки|печек|печку"
        "|печь|печей|печка для палатки|печки для палаток|обогреватель для палатки"
        "|обогреватели для палаток|палаточная печь|палаточные печи",
        "Zeltheizungen|Zeltofen|Zeltöfen|Ofen|Öfen|Holzofen|Kanonenofen|Zeltheizgerät",
        "tent heaters|tent stove|tent stoves|stove|stoves|wood stove|wood burner",
    ),
    ItemData(
        "heater",
        "shelter",
        "pcs",
        "Обігрівач",
        "Heizgerät",
        "Heater",
        "обігрівачі|обігрівачів|обігрівача|електрообігрівач|електрообігрівачі|газовий обігрівач"
        "|газові обігрівачі|теплова гармата|теплові гармати|теплових гармат|тепловентилятор"
        "|тепловентилятори|конвектор|конвектори|масляний радіатор"
        "|обогреватель|обогреватели|обогревателей|обогревателя|электрообогреватель"
        "|электрообогреватели|газовый обогреватель|газовые обогреватели|тепловая пушка"
        "|тепловые пушки|тепловых пушек|тепловую пушку",
        "Heizgeräte|Heizlüfter|Heizkanone|Heizkanonen|Heizstrahler|Gasheizer|Gasheizung"
        "|Elektroheizung|Radiator|Ölradiator|Konvektor",
        "heaters|space heater|space heaters|electric heater|gas heater|heat cannon"
        "|diesel heater|convector heater|radiator",
    ),
    ItemData(
        "sleeping_bag",
        "shelter",
        "pcs",
        "Спальний мішок",
        "Schlafsack",
        "Sleeping bag",
        "спальні мішки|спальних мішків|спального мішка|спальник|спальники|спальників"
        "|зимовий спальник|зимові спальники"
        "|спальный мешок|спальные мешки|спальных мешков|спальников",
        "Schlafsäcke|Schlafsäcken|Winterschlafsack",
        "sleeping bags|winter sleeping bag",
    ),
    ItemData(
        "blanket",
        "shelter",
        "pcs",
        "Ковдра",
        "Decke",
        "Blanket",
        "ковдри|ковдр|ковдру|плед|пледи|пледів|вовняна ковдра|вовняні ковдри|теплі ковдри"
        "|одеяло|одеяла|одеял|пледов|шерстяное одеяло|шерстяные одеяла|теплые одеяла",
        "Decken|Wolldecke|Wolldecken|Fleecedecke|Bettdecke|Bettdecken",
        "blankets|wool blanket|wool blankets|fleece blanket",
    ),
    ItemData(
        "mattress",
        "shelter",
        "pcs",
        "Матрац",
        "Matratze",
        "Mattress",
        "матраци|матраців|матраца|матрас|матраси|матрасів|каремат|каремати|карематів|карімат"
        "|туристичний килимок|туристичні килимки"
        "|матрасов|матрацев|туристический коврик|туристические коврики",
        "Matratzen|Isomatte|Isomatten|Schaumstoffmatratze|Luftmatratze|Luftmatratzen",
        "mattresses|sleeping mat|sleeping mats|camping mat|foam mat|air mattress",
    ),
    ItemData(
        "camp_bed",
        "shelter",
        "pcs",
        "Розкладне ліжко",
        "Feldbett",
        "Camp bed",
        "розкладні ліжка|розкладних ліжок|розкладачка|розкладачки|розкладачок|розкладушка"
        "|розкладушки|похідне ліжко|армійське ліжко"
        "|раскладушка|раскладушки|раскладушек|раскладная кровать|раскладные кровати"
        "|раскладных кроватей|походная кровать|армейская кровать",
        "Feldbetten|Klappbett|Klappbetten|Campingbett|Campingbetten|Faltbett",
        "camp beds|cot|cots|folding bed|folding beds|field bed|army cot",
    ),
    ItemData(
        "tarpaulin",
        "shelter",
        "pcs",
        "Тент брезентовий",
        "Plane",
        "Tarpaulin",
        "брезент|брезенту|тент|тенти|тентів|тенту|тентов",
        "Planen|Abdeckplane|Abdeckplanen|Schutzplane|Gewebeplane|LKW-Plane",
        "tarpaulins|tarp|tarps|canvas",
    ),
    ItemData(
        "plastic_sheeting",
        "shelter",
        "rolls",
        "Плівка",
        "Folie",
        "Plastic sheeting",
        "плівки|плівку|поліетиленова плівка|поліетиленової плівки|плівка для вікон"
        "|плівки для вікон|армована плівка|армованої плівки|укривна плівка|поліетилен"
        "|полиэтиленовая пленка|полиэтиленовой пленки|пленка для окон|пленки для окон"
        "|армированная пленка|укрывная пленка",
        "Folien|Baufolie|Baufolien|Abdeckfolie|Schutzfolie|Fensterfolie|Plastikfolie"
        "|Polyethylenfolie|PE-Folie",
        "plastic sheet|plastic sheets|plastic film|polyethylene sheeting|poly sheeting"
        "|window film|reinforced film|sheeting",
    ),
    ItemData(
        "osb_board",
        "shelter",
        "pcs",
        "OSB-плита",
        "OSB-Platte",
        "OSB board",
        "osb|осб|плити osb|плит osb|плита osb|osb плити|осб плити|осб плита|плити осб|плит осб",
        "OSB-Platten|Grobspanplatte|Grobspanplatten|Spanplatte|Spanplatten",
        "osb boards|osb sheets|osb sheet|chipboard",
    ),
    ItemData(
        "plywood",
        "shelter",
        "pcs",
        "Фанера",
        "Sperrholz",
        "Plywood",
        "фанери|фанеру|лист фанери|листи фанери|листів фанери|листов фанеры",
        "Sperrholzplatte|Sperrholzplatten",
        "plywood sheets|plywood sheet|plywood boards",
    ),
    ItemData(
        "modular_house",
        "shelter",
        "pcs",
        "Модульний будинок",
        "Wohncontainer",
        "Modular housing unit",
        "модульні будинки|модульних будинків|модульного будинку|модульне житло"
        "|побутовий контейнер|побутові контейнери|житловий контейнер|житлові контейнери"
        "|контейнер|контейнери|контейнерів|модульне містечко"
        "|модульный дом|модульные дома|модульных домов|бытовой контейнер|бытовые контейнеры"
        "|жилой контейнер|жилые контейнеры|бытовка|бытовки|контейнеров",
        "Wohncontainern|Wohnmodul|Wohnmodule|Containerhaus|Modulhaus|Modulhäuser"
        "|Bürocontainer|Container",
        "modular houses|modular house|modular homes|housing container|container home"
        "|living container|containers",
    ),
    # --- vehicles and machinery ---
    ItemData(
        "ambulance",
        "vehicles",
        "pcs",
        "Автомобіль швидкої допомоги",
        "Rettungswagen",
        "Ambulance",
        "швидка допомога|швидкої допомоги|машина швидкої допомоги"
        "|машини швидкої допомоги|машину швидкої допомоги|автомобілі швидкої допомоги"
        "|автомобілів швидкої допомоги|карета швидкої допомоги|реанімобіль|реанімобілі"
        "|реанімобілів|санітарний автомобіль|санітарні автомобілі|санітарних автомобілів"
        "|скорая помощь|скорой помощи|машина скорой помощи|машины скорой помощи"
        "|автомобиль скорой помощи|автомобили скорой помощи|реанимобилей|санитарные автомобили",
        "Rettungswägen|Krankenwagen|Krankenwägen|Krankentransportwagen|Notarztwagen|RTW|KTW",
        "ambulances|ambulance vehicle|emergency ambulance|patient transport vehicle",
    ),
    ItemData(
        "fire_engine",
        "vehicles",
        "pcs",
        "Пожежний автомобіль",
        "Feuerwehrfahrzeug",
        "Fire engine",
        "пожежні автомобілі|пожежних автомобілів|пожежного автомобіля|пожежна машина"
        "|пожежні машини|пожежних машин|пожежну машину|пожежна автоцистерна"
        "|пожежні автоцистерни|пожежних автоцистерн|пожежка|пожежки"
        "|пожарный автомобиль|пожарные автомобили|пожарных автомобилей|пожарная машина"
        "|пожарные машины|пожарных машин|пожарная автоцистерна",
        "Feuerwehrfahrzeuge|Feuerwehrauto|Feuerwehrautos|Feuerwehrwagen|Löschfahrzeug"
        "|Löschfahrzeuge|Tanklöschfahrzeug|Tanklöschfahrzeuge|Löschgruppenfahrzeug|HLF|TLF",
        "fire engines|fire truck|fire trucks|fire tender|fire appliance|firefighting vehicle"
        "|fire fighting vehicle",
    ),
    ItemData(
        "rescue_vehicle",
        "vehicles",
        "pcs",
        "Аварійно-рятувальний автомобіль",
        "Rüstwagen",
        "Rescue vehicle",
        "аварійно-рятувальні автомобілі|аварійно-рятувальних автомобілів"
        "|рятувальний автомобіль|рятувальні автомобілі|рятувальних автомобілів"
        "|рятувальна машина|рятувальні машини|рятувальних машин|аварійно-рятувальна машина"
        "|аварийно-спасательный автомобиль|аварийно-спасательные автомобили"
        "|спасательный автомобиль|спасательные автомобили|спасательная машина",
        "Rüstwägen|Rettungsfahrzeug|Rettungsfahrzeuge|Hilfeleistungsfahrzeug|Gerätewagen",
        "rescue vehicles|rescue truck|rescue trucks|technical rescue vehicle|heavy rescue vehicle",
    ),
    ItemData(
        "pickup",
        "vehicles",
        "pcs",
        "Пікап",
        "Pick-up",
        "Pickup truck",
        "пікапи|пікапів|пікапа|позашляховик|позашляховики|позашляховиків"
        "|пикапов|внедорожник|внедорожники|внедорожников",
        "Pick-ups|Pickups|Geländewagen|Geländefahrzeug",
        "pickup|pickup trucks|off-road vehicle|4x4|suv",
    ),
    ItemData(
        "truck",
        "vehicles",
        "pcs",
        "Вантажівка",
        "Lkw",
        "Truck",
        "вантажівки|вантажівок|вантажний автомобіль|вантажні автомобілі"
        "|вантажних автомобілів|фура|фури"
        "|грузовик|грузовики|грузовиков|грузовой автомобиль|грузовые автомобили"
        "|грузовых автомобилей",
        "Lkws|Lastwagen|Lastkraftwagen",
        "trucks|lorry|lorries|cargo truck",
    ),
    ItemData(
        "minibus",
        "vehicles",
        "pcs",
        "Мікроавтобус",
        "Kleinbus",
        "Minibus",
        "мікроавтобуси|мікроавтобусів|бус|буси|бусів|бусик|микроавтобусов|бусов",
        "Kleinbusse|Transporter|Kleintransporter|Sprinter",
        "minibuses|van|vans|minivan",
    ),
    ItemData(
        "bus",
        "vehicles",
        "pcs",
        "Автобус",
        "Bus",
        "Bus",
        "автобуси|автобусів|автобуса|евакуаційний автобус|автобусов|эвакуационный автобус",
        "Busse|Reisebus|Linienbus",
        "buses|coach|coaches",
    ),
    ItemData(
        "excavator",
        "vehicles",
        "pcs",
        "Екскаватор",
        "Bagger",
        "Excavator",
        "екскаватори|екскаваторів|екскаватора|екскаватор-навантажувач|екскаватори-навантажувачі"
        "|экскаваторов|экскаватор-погрузчик",
        "Minibagger|Baggerlader|Kettenbagger|Mobilbagger",
        "excavators|digger|backhoe|backhoe loader|mini excavator",
    ),
    ItemData(
        "tractor",
        "vehicles",
        "pcs",
        "Трактор",
        "Traktor",
        "Tractor",
        "трактори|тракторів|трактора|тракторов",
        "Traktoren|Schlepper|Trecker",
        "tractors",
    ),
    ItemData(
        "water_tanker",
        "vehicles",
        "pcs",
        "Автоцистерна для води",
        "Wassertankwagen",
        "Water tanker",
        "водовоз|водовози|водовозів|водовозка|автоцистерна|автоцистерни|автоцистерн"
        "|цистерна для води|цистерни для води"
        "|водовозов",
        "Tankwagen|Trinkwasserwagen|Wasserwagen|Wassertankfahrzeug",
        "water tankers|water truck|water trucks|water bowser|bowser|tanker",
    ),
    ItemData(
        "trailer",
        "vehicles",
        "pcs",
        "Причіп",
        "Anhänger",
        "Trailer",
        "причепи|причепів|причепа|напівпричіп|напівпричепи"
        "|прицеп|прицепы|прицепов|полуприцеп|полуприцепы",
        "Anhängern|Sattelauflieger|Auflieger",
        "trailers|semi-trailer",
    ),
    # --- food ---
    ItemData(
        "food_parcel",
        "food",
        "pcs",
        "Продуктовий набір",
        "Lebensmittelpaket",
        "Food parcel",
        "продуктові набори|продуктових наборів|продуктового набору|продуктовий пакет"
        "|продуктові пакети|продуктових пакетів|продукти|продуктів|харчові набори"
        "|харчових наборів|продукти харчування|продуктів харчування"
        "|продуктовый набор|продуктовые наборы|продуктовых наборов|продуктов|продукты питания"
        "|продуктов питания|продуктовые пакеты",
        "Lebensmittelpakete|Lebensmittel|Nahrungsmittel|Essenspakete|Lebensmittelspenden",
        "food parcels|food kit|food kits|food package|food packages|food|groceries|food supplies",
    ),
    ItemData(
        "baby_food",
        "food",
        "packs",
        "Дитяче харчування",
        "Babynahrung",
        "Baby food",
        "дитячого харчування|дитяча суміш|дитячі суміші|дитячих сумішей|суміш|суміші|сумішей"
        "|молочна суміш|молочні суміші|дитяче пюре|дитячі каші"
        "|детское питание|детского питания|детская смесь|детские смеси|детских смесей"
        "|молочная смесь|молочные смеси|детское пюре|детские каши",
        "Säuglingsnahrung|Babybrei|Babymilch|Milchpulver|Anfangsmilch|Kindernahrung|Babygläschen",
        "infant formula|formula|baby formula|baby milk|baby cereal",
    ),
    ItemData(
        "canned_food",
        "food",
        "pcs",
        "Консерви",
        "Konserven",
        "Canned food",
        "консерв|консервів|консерва|м'ясні консерви|рибні консерви|тушонка|тушонки"
        "|тушкованка|тушкованки"
        "|консервов|тушенка|тушенки|мясные консервы|рыбные консервы",
        "Konserve|Konservendosen|Dosen|Dosennahrung|Fleischkonserven|Fischkonserven",
        "canned goods|tinned food|cans|canned meat|tinned goods",
    ),
    ItemData(
        "flour",
        "food",
        "kg",
        "Борошно",
        "Mehl",
        "Flour",
        "борошна|мука|муки",
        "Weizenmehl",
        "wheat flour",
    ),
    ItemData(
        "grains",
        "food",
        "kg",
        "Крупи",
        "Getreide",
        "Grains",
        "крупа|круп|гречка|гречки|рис|рису|макарони|макаронів|вівсянка|пластівці"
        "|риса|макарон|овсянка|хлопья",
        "Reis|Nudeln|Haferflocken|Buchweizen|Grieß|Teigwaren",
        "rice|pasta|buckwheat|oats|oatmeal|cereals|cereal",
    ),
    ItemData(
        "ready_meals",
        "food",
        "pcs",
        "Сухий пайок",
        "Einsatzverpflegung",
        "Ready-to-eat meals",
        "сухпайки|сухпайків|сухпайок|сухі пайки|сухих пайків|ірп|готові страви|готових страв"
        "|польові раціони"
        "|сухпаек|сухпайков|сухой паек|сухие пайки|сухих пайков|готовые блюда",
        "EPa|Notverpflegung|Fertiggerichte|Fertiggericht|Feldration|Feldrationen",
        "mre|mres|field rations|rations|ration packs|ready meals",
    ),
    ItemData(
        "medical_nutrition",
        "food",
        "packs",
        "Лікувальне харчування",
        "Trinknahrung",
        "Medical nutrition",
        "ентеральне харчування|ентерального харчування|лікувального харчування"
        "|зондове харчування|парентеральне харчування|нутрідрінк"
        "|энтеральное питание|энтерального питания|лечебное питание|лечебного питания"
        "|парентеральное питание|зондовое питание",
        "Sondennahrung|Klinische Ernährung|Enterale Ernährung|Parenterale Ernährung"
        "|Astronautennahrung",
        "enteral nutrition|clinical nutrition|parenteral nutrition"
        "|oral nutritional supplements|nutridrink|tube feed",
    ),
    ItemData(
        "sugar",
        "food",
        "kg",
        "Цукор",
        "Zucker",
        "Sugar",
        "цукру|сахар|сахара",
    ),
    ItemData(
        "cooking_oil",
        "food",
        "l",
        "Олія",
        "Speiseöl",
        "Cooking oil",
        "олії|олію|соняшникова олія|соняшникової олії"
        "|подсолнечное масло|подсолнечного масла|растительное масло|растительного масла",
        "Öl|Sonnenblumenöl|Pflanzenöl",
        "sunflower oil|vegetable oil|oil",
    ),
    # --- other ---
    ItemData(
        "winter_clothing",
        "other",
        "pcs",
        "Зимовий одяг",
        "Winterkleidung",
        "Winter clothing",
        "теплий одяг|теплого одягу|зимового одягу|одяг|одягу|куртки|куртка|курток"
        "|зимові куртки|термобілизна|термобілизни"
        "|зимняя одежда|зимней одежды|теплая одежда|теплой одежды|одежда|одежды|зимние куртки"
        "|термобелье",
        "Warme Kleidung|Kleidung|Winterjacke|Winterjacken|Jacken|Thermounterwäsche"
        "|Winterbekleidung",
        "warm clothes|warm clothing|clothes|clothing|winter jackets|winter jacket|jackets"
        "|thermal underwear",
    ),
    ItemData(
        "footwear",
        "other",
        "pairs",
        "Взуття",
        "Schuhe",
        "Footwear",
        "зимове взуття|зимового взуття|черевики|черевиків|чоботи|чобіт|берці|гумові чоботи"
        "|обувь|обуви|зимняя обувь|зимней обуви|ботинки|ботинок|сапоги|сапог|резиновые сапоги",
        "Winterschuhe|Stiefel|Gummistiefel|Winterstiefel",
        "shoes|boots|winter boots|rubber boots",
    ),
    ItemData(
        "fire_extinguisher",
        "other",
        "pcs",
        "Вогнегасник",
        "Feuerlöscher",
        "Fire extinguisher",
        "вогнегасники|вогнегасників|вогнегасника|порошковий вогнегасник"
        "|огнетушитель|огнетушители|огнетушителей|огнетушителя|порошковый огнетушитель",
        "Feuerlöschern|Pulverlöscher|Handfeuerlöscher",
        "fire extinguishers|extinguisher|extinguishers",
    ),
    ItemData(
        "chainsaw",
        "other",
        "pcs",
        "Бензопила",
        "Motorsäge",
        "Chainsaw",
        "бензопили|бензопил|бензопилу|ланцюгова пила|електропила|пила|цепная пила",
        "Kettensäge|Kettensägen|Motorsägen",
        "chainsaws|chain saw|chain saws",
    ),
    ItemData(
        "tools",
        "other",
        "sets",
        "Набір інструментів",
        "Werkzeugset",
        "Tool kit",
        "інструменти|інструментів|інструмент|ручний інструмент|ручні інструменти"
        "|будівельний інструмент|електроінструмент|шуруповерт|шуруповерти|болгарка"
        "|болгарки|лопата|лопати"
        "|инструментов|набор инструментов|ручной инструмент|строительный инструмент",
        "Werkzeug|Werkzeuge|Werkzeugkoffer|Werkzeugkasten|Handwerkzeug|Elektrowerkzeug"
        "|Akkuschrauber|Schaufel|Schaufeln|Winkelschleifer",
        "tools|tool kits|hand tools|power tools|toolbox|shovel|shovels|angle grinder"
        "|cordless drill",
    ),
    ItemData(
        "ppe",
        "other",
        "pcs",
        "Засоби індивідуального захисту",
        "Persönliche Schutzausrüstung",
        "Personal protective equipment",
        "зіз|захисні костюми|захисних костюмів|захисний костюм|захисний одяг|захисного одягу"
        "|сиз|средства индивидуальной защиты|защитные костюмы|защитных костюмов|защитный костюм"
        "|защитная одежда",
        "PSA|Schutzausrüstung|Schutzanzug|Schutzanzüge|Schutzkleidung",
        "ppe|protective equipment|protective suits|protective suit|protective clothing|hazmat suit",
    ),
    ItemData(
        "radio",
        "other",
        "pcs",
        "Рація",
        "Funkgerät",
        "Two-way radio",
        "рації|рацій|радіостанція|радіостанції|радіостанцій|портативна рація",
        "Funkgeräte|Handfunkgerät|Handfunkgeräte|Walkie-Talkie|Digitalfunkgerät",
        "radios|radio|walkie talkies|handheld radio|two way radios",
    ),
    ItemData(
        "laptop",
        "other",
        "pcs",
        "Ноутбук",
        "Laptop",
        "Laptop",
        "ноутбуки|ноутбуків|ноутбука|комп'ютер|комп'ютери|комп'ютерів"
        "|ноутбуков|компьютер|компьютеры|компьютеров",
        "Laptops|Notebook|Notebooks|Computer",
        "computers",
    ),
    ItemData(
        "starlink",
        "other",
        "pcs",
        "Термінал Starlink",
        "Starlink-Terminal",
        "Starlink terminal",
        "старлінк|старлінки|старлінків|starlink|термінали starlink|супутниковий інтернет",
        "Starlink-Terminals|Satelliteninternet",
        "starlink terminals|satellite internet|satellite terminal",
    ),
    ItemData(
        "field_kitchen",
        "other",
        "pcs",
        "Польова кухня",
        "Feldküche",
        "Field kitchen",
        "польові кухні|польових кухонь|польову кухню|мобільна кухня|мобільні кухні|пересувна кухня"
        "|полевая кухня|полевые кухни|полевых кухонь|мобильная кухня|передвижная кухня",
        "Feldküchen|Gulaschkanone|Mobile Küche|Feldkochherd",
        "field kitchens|mobile kitchen|mobile kitchens",
    ),
    ItemData(
        "washing_machine",
        "other",
        "pcs",
        "Пральна машина",
        "Waschmaschine",
        "Washing machine",
        "пральні машини|пральних машин|пральну машину|пральна машинка|пральні машинки"
        "|стиральная машина|стиральные машины|стиральных машин|стиральная машинка",
        "Waschmaschinen|Industriewaschmaschine",
        "washing machines|washer|laundry machine",
    ),
    ItemData(
        "building_materials",
        "other",
        "pcs",
        "Будівельні матеріали",
        "Baumaterial",
        "Building materials",
        "будматеріали|будматеріалів|будівельних матеріалів|цемент|цементу|цвяхи|шифер"
        "|профнастил|утеплювач|мінвата"
        "|стройматериалы|стройматериалов|строительные материалы|строительных материалов|гвозди"
        "|утеплитель",
        "Baumaterialien|Baustoffe|Zement|Nägel|Dachpappe|Wellblech|Dämmstoff|Dämmung",
        "building material|construction materials|cement|nails|roofing|roofing sheets|insulation",
    ),
    # --- added for real requests (tests/data/need_lines_new_items.md) ---
    ItemData(
        "foley_catheter",
        "medical_supplies",
        "pcs",
        "Катетер Фолея",
        "Blasenkatheter",
        "Foley catheter",
        "катетери фолея|катетерів фолея|катетера фолея|сечовий катетер|сечові катетери|сечових катетерів|уретральний катетер|уретральні катетери|уретральних катетерів"
        "|катетеров фолея|мочевой катетер|мочевые катетеры|мочевых катетеров"
        "|уретральные катетеры|уретральных катетеров",
        "Blasenkathetern|Foley-Katheter|Harnblasenkatheter|Harnkatheter|Dauerkatheter|Transurethraler Katheter",
        "foley catheters|foley|urinary catheter|urinary catheters|indwelling catheter",
    ),
    ItemData(
        "urine_bag",
        "medical_supplies",
        "pcs",
        "Сечоприймач",
        "Urinbeutel",
        "Urine drainage bag",
        "сечоприймачі|сечоприймачів|сечоприймача|мочеприймач|мочеприймачі|мочеприймачів|сечоприймальний мішок"
        "|мочеприемник|мочеприемники|мочеприемников",
        "Urinbeuteln|Urinauffangbeutel|Urinauffangbeuteln|Urinsammelbeutel",
        "urine bag|urine bags|urine drainage bags|drainage bag|drainage bags|urinary drainage bag",
    ),
    ItemData(
        "shoe_covers",
        "medical_supplies",
        "packs",
        "Бахіли",
        "Überschuhe",
        "Shoe covers",
        "бахіл|бахілів|бахила|одноразові бахіли|одноразових бахіл|одноразовые бахилы",
        "Einmalüberschuhe|Überziehschuhe|Schuhüberzieher|Schuhüberzieher aus PE",
        "shoe cover|overshoes|disposable shoe covers|boot covers",
    ),
    ItemData(
        "cotton_wool",
        "medical_supplies",
        "packs",
        "Вата медична",
        "Verbandwatte",
        "Cotton wool",
        "вата|вати|вату|медична вата|медичної вати|вата гігроскопічна|ватні кульки|ватних кульок|ватні диски"
        "|медицинская вата|медицинской ваты|ватные шарики|ватных шариков|ватные диски",
        "Watte|Wattebäusche|Wattekugeln|Wattetupfer",
        "cotton|absorbent cotton|cotton balls|cotton wool balls",
    ),
    ItemData(
        "ultrasound_gel",
        "medical_supplies",
        "bottles",
        "Гель для УЗД",
        "Ultraschallgel",
        "Ultrasound gel",
        "гелю для узд|гель для ультразвуку|гель для ультразвукових досліджень|контактний гель|контактного гелю|гель узд"
        "|гель для узи|гель узи",
        "Ultraschall-Gel|Kontaktgel|Sonografiegel|Ultraschallgels",
        "ultrasound gels|ultrasound transmission gel|contact gel|sonography gel",
    ),
    ItemData(
        "blood_pressure_monitor",
        "medical_supplies",
        "pcs",
        "Тонометр",
        "Blutdruckmessgerät",
        "Blood pressure monitor",
        "тонометри|тонометрів|тонометра|автоматичний тонометр|автоматичні тонометри|механічний тонометр|механічні тонометри"
        "|тонометров",
        "Blutdruckmessgeräte|Blutdruckmessgeräten|Blutdruckmesser|Oberarm-Blutdruckmessgerät",
        "blood pressure monitors|bp monitor|bp monitors|sphygmomanometer|sphygmomanometers|bp cuff|blood pressure cuff",
    ),
    ItemData(
        "pulse_oximeter",
        "medical_supplies",
        "pcs",
        "Пульсоксиметр",
        "Pulsoximeter",
        "Pulse oximeter",
        "пульсоксиметри|пульсоксиметрів|пульсоксиметра|пульсоксиметр на палець|оксиметр|оксиметри"
        "|пульсоксиметров",
        "Pulsoximetern|Fingerpulsoximeter|Fingeroximeter|Oximeter",
        "pulse oximeters|oximeters|finger oximeter|finger pulse oximeter|pulse ox",
    ),
    ItemData(
        "glucometer",
        "medical_supplies",
        "pcs",
        "Глюкометр",
        "Blutzuckermessgerät",
        "Glucometer",
        "глюкометри|глюкометрів|глюкометра|прилад для вимірювання цукру|глюкометров",
        "Blutzuckermessgeräte|Blutzuckermessgeräten|Glukometer|Blutzuckermesser",
        "glucometers|glucose meter|glucose meters|blood glucose meter|blood glucose meters",
    ),
    ItemData(
        "glucose_test_strips",
        "medical_supplies",
        "packs",
        "Тест-смужки для глюкометра",
        "Blutzuckerteststreifen",
        "Glucose test strips",
        "тест-смужки|тест-смужок|тест смужки|тест-смужки до глюкометра|смужки для глюкометра|смужки до глюкометра|тест-полоски|тест полоски"
        "|тест-полосок|тест-полоски для глюкометра|полоски для глюкометра",
        "Teststreifen|Blutzucker-Teststreifen|Glukoseteststreifen|Glucose-Teststreifen",
        "test strips|glucose strips|blood glucose test strips|glucometer strips|glucose test strip",
    ),
    ItemData(
        "oxygen_mask",
        "medical_supplies",
        "pcs",
        "Киснева маска",
        "Sauerstoffmaske",
        "Oxygen mask",
        "кисневі маски|кисневих масок|кисневу маску|маска киснева|маски кисневі|маска для кисню|маски для кисню|маска з резервуаром|маски з резервуаром"
        "|кислородная маска|кислородные маски|кислородных масок|маска кислородная",
        "Sauerstoffmasken|Sauerstoffmaske mit Reservoir",
        "oxygen masks|non-rebreather mask|non-rebreather masks|nrb mask",
    ),
    ItemData(
        "oxygen_cylinder",
        "medical_supplies",
        "pcs",
        "Кисневий балон",
        "Sauerstoffflasche",
        "Oxygen cylinder",
        "кисневі балони|кисневих балонів|кисневого балона|балон кисневий|балони кисневі|балон з киснем|балони з киснем|кисень|кисню|медичний кисень|медичного кисню"
        "|кислородный баллон|кислородные баллоны|кислородных баллонов|баллон кислородный"
        "|баллон с кислородом|баллоны с кислородом|кислород|кислорода|медицинский кислород"
        "|медицинского кислорода",
        "Sauerstoffflaschen|Sauerstoff|Medizinischer Sauerstoff|O2-Flasche|O2-Flaschen",
        "oxygen cylinders|oxygen bottle|oxygen bottles|oxygen tank|oxygen tanks|medical oxygen|o2 cylinder|o2 cylinders|oxygen",
    ),
    ItemData(
        "splint",
        "medical_supplies",
        "pcs",
        "Іммобілізаційна шина",
        "Schiene",
        "Splint",
        "шина крамера|шини крамера|шин крамера|транспортна шина|транспортні шини|транспортних шин|вакуумна шина|вакуумні шини|шина sam|шини sam|іммобілізаційні шини|медична шина|медичні шини"
        "|транспортная шина|транспортные шины|вакуумная шина|вакуумные шины"
        "|иммобилизационная шина|медицинская шина",
        "Schienen|SAM-Splint|SAM-Schiene|Vakuumschiene|Vakuumschienen|Cramer-Schiene|Cramerschiene|Immobilisationsschiene",
        "splints|sam splint|sam splints|vacuum splint|vacuum splints|cramer splint|ladder splint",
    ),
    ItemData(
        "cervical_collar",
        "medical_supplies",
        "pcs",
        "Шийний комір",
        "Zervikalstütze",
        "Cervical collar",
        "шийні коміри|шийних комірів|шийний комірець|шийні комірці|шийних комірців|комірці шийні|коміри шийні|комір шанца|комірець шанца|комірці шанца"
        "|шейный воротник|шейные воротники|шейных воротников|воротник шанца|воротники шанца",
        "Zervikalstützen|Halskrause|Halskrausen|Stifneck|HWS-Schiene|HWS-Stütze",
        "cervical collars|neck collar|neck collars|neck brace|c-collar|c-collars",
    ),
    ItemData(
        "defibrillator_pads",
        "medical_supplies",
        "pairs",
        "Електроди для дефібрилятора",
        "Defibrillator-Elektroden",
        "Defibrillator pads",
        "електроди до дефібрилятора|електродів до дефібрилятора|електродів для дефібрилятора|електроди дефібрилятора|дефібриляторні електроди|накладки для дефібрилятора"
        "|электроды для дефибриллятора|электродов для дефибриллятора|электроды к дефибриллятору",
        "Defi-Elektroden|Defibrillationselektroden|AED-Elektroden|Defi-Pads|AED-Pads",
        "defib pads|aed pads|defibrillation pads|defibrillator electrodes|defibrillator pad",
    ),
    ItemData(
        "ecg_electrodes",
        "medical_supplies",
        "packs",
        "Електроди ЕКГ",
        "EKG-Elektroden",
        "ECG electrodes",
        "електродів екг|екг електроди|електроди для екг|електродів для екг|електроди для кардіографа|одноразові електроди",
        "EKG-Klebeelektroden|Klebeelektroden|Einmalelektroden|EKG Elektroden",
        "ecg electrode|ekg electrodes|ecg pads|monitoring electrodes",
    ),
    ItemData(
        "breathing_circuit",
        "medical_supplies",
        "pcs",
        "Дихальний контур",
        "Beatmungsschlauchsystem",
        "Breathing circuit",
        "дихальні контури|дихальних контурів|дихального контуру|контур дихальний|контури дихальні|контур для швл|контури для швл|контури до швл|дихальні контури до швл"
        "|дыхательный контур|дыхательные контуры|дыхательных контуров|контур для ивл"
        "|контуры для ивл|контуры к ивл",
        "Beatmungsschlauchsysteme|Beatmungsschlauch|Beatmungsschläuche|Patientenschlauchsystem",
        "breathing circuits|ventilator circuit|ventilator circuits|ventilator tubing|anaesthesia circuit",
    ),
    ItemData(
        "suction_unit",
        "medical_supplies",
        "pcs",
        "Медичний аспіратор",
        "Absauggerät",
        "Suction unit",
        "аспіратор|аспіратори|аспіраторів|аспіратора|відсмоктувач|відсмоктувачі|електровідсмоктувач|вакуумний аспіратор|хірургічний аспіратор"
        "|электроотсос|электроотсосы|медицинский отсос|медицинский аспиратор",
        "Absauggeräte|Absaugpumpe|Absaugpumpen|Sekretabsaugung|Notfallabsaugung",
        "suction units|suction machine|suction machines|aspirator|aspirators|suction pump|portable suction",
    ),
    ItemData(
        "corticosteroids",
        "medicines",
        "packs",
        "Кортикостероїди",
        "Kortikosteroide",
        "Corticosteroids",
        "кортикостероїд|кортикостероїдів|глюкокортикоїди|глюкокортикоїдів|гормональні препарати|=дексаметазон|=дексаметазону|=преднізолон|=преднізолону|=гідрокортизон|=метилпреднізолон"
        "|кортикостероидов|глюкокортикоидов|гормональные препараты",
        "Kortikosteroid|Glukokortikoide|Kortison|Cortison|=Dexamethason|=Prednisolon|=Hydrocortison|=Methylprednisolon",
        "corticosteroid|steroids|glucocorticoids|=dexamethasone|=prednisolone|=hydrocortisone|=methylprednisolone",
    ),
    ItemData(
        "diuretics",
        "medicines",
        "packs",
        "Діуретики",
        "Diuretika",
        "Diuretics",
        "діуретик|діуретиків|сечогінні|сечогінних|сечогінні препарати|=фуросемід|=фуросеміду|=торасемід|=спіронолактон|=верошпірон"
        "|диуретиков|мочегонные|мочегонных|мочегонные препараты|=гідрохлоротіазид|=манітол"
        "|=маннитол",
        "Diuretikum|Entwässerungstabletten|Wassertabletten|=Furosemid|=Torasemid|=Spironolacton|=Lasix"
        "|=Hydrochlorothiazid",
        "diuretic|water pills|=furosemide|=torasemide|=spironolactone"
        "|=hydrochlorothiazide|=mannitol",
    ),
    ItemData(
        "tranexamic_acid",
        "medicines",
        "packs",
        "Транексамова кислота",
        "Tranexamsäure",
        "Tranexamic acid",
        "транексамової кислоти|транексамову кислоту|транексам|транексаму|транексамова|транексамова к-та"
        "|транексамовая кислота",
        "Tranexamsäure-Ampullen|Cyklokapron",
        "txa|tranexamic",
    ),
    ItemData(
        "epinephrine",
        "medicines",
        "ampoules",
        "Адреналін",
        "Adrenalin",
        "Epinephrine",
        "адреналіну|епінефрин|епінефрину|адреналіну гідрохлорид|адреналін гідрохлорид",
        "Epinephrin|Suprarenin|Adrenalin-Ampullen",
        "adrenaline|epipen|epinephrine autoinjector",
    ),
    ItemData(
        "oral_rehydration_salts",
        "medicines",
        "packs",
        "Солі для пероральної регідратації",
        "Orale Rehydratationslösung",
        "Oral rehydration salts",
        "регідрон|регідрону|регідратаційні солі|регідратаційний розчин|засоби для регідратації|оральна регідратація"
        "|регидрона|соли для регидратации|регидратационные соли",
        "Rehydratationssalze|Elektrolytpulver|Elotrans|Oralpädon|Elektrolytlösung",
        "ors|rehydration salts|oral rehydration solution|electrolyte sachets|dioralyte",
    ),
    ItemData(
        "engine_oil",
        "power",
        "l",
        "Моторна олива",
        "Motoröl",
        "Engine oil",
        "олива|оливи|оливу|олива моторна|моторної оливи|моторна олія|моторної олії|моторне масло|масло моторне|мастило|мастила|олива для генераторів|олива для генератора"
        "|моторного масла|масло для генераторов|масло для генератора"
        "|моторное масло для генераторов",
        "Motoröle|Motorenöl|Generatoröl|Schmieröl|Öl für Generatoren",
        "motor oil|generator oil|lubricating oil|lube oil|oil for generators|2-stroke oil",
    ),
    ItemData(
        "gas_cylinder",
        "power",
        "pcs",
        "Газовий балон",
        "Gasflasche",
        "Gas cylinder",
        "газові балони|газових балонів|газового балона|балон газовий|балони газові|пропановий балон|пропанові балони|балон пропан-бутан|пропан-бутан"
        "|газовый баллон|газовые баллоны|газовых баллонов|газового баллона|баллон газовый"
        "|пропановый баллон|пропановые баллоны",
        "Gasflaschen|Propangasflasche|Propangasflaschen|Propanflasche|Flüssiggasflasche|Propan",
        "gas cylinders|propane cylinder|propane cylinders|propane tank|lpg cylinder|lpg cylinders|gas bottle|gas bottles",
    ),
    ItemData(
        "pillow",
        "shelter",
        "pcs",
        "Подушка",
        "Kopfkissen",
        "Pillow",
        "подушки|подушок|подушку|подушка для сну|подушки для сну|подушек",
        "Kissen|Bettkissen|Kopfkissens",
        "pillows|bed pillow|bed pillows",
    ),
    ItemData(
        "bed_linen",
        "shelter",
        "sets",
        "Постільна білизна",
        "Bettwäsche",
        "Bed linen",
        "постільної білизни|постільну білизну|комплект постільної білизни|комплекти постільної білизни|комплектів постільної білизни|простирадло|простирадла|простирадл|наволочки|підковдра|підковдри"
        "|постельное белье|постельного белья|комплект постельного белья"
        "|комплекты постельного белья|комплектов постельного белья|простыня|простыни|простыней"
        "|наволочка|наволочек|пододеяльник|пододеяльники",
        "Bettwäsche-Set|Bettwäschesets|Bettlaken|Laken|Bettbezug|Bettbezüge|Kissenbezug|Kissenbezüge",
        "bedding|bed sheets|bedsheets|bed linen sets|linen|pillowcases|duvet covers",
    ),
    ItemData(
        "boiler",
        "shelter",
        "pcs",
        "Опалювальний котел",
        "Heizkessel",
        "Heating boiler",
        "котел|котли|котлів|котла|твердопаливний котел|твердопаливні котли|твердопаливних котлів|котел твердопаливний|газовий котел|електрокотел|котел опалення|модульна котельня|модульні котельні|мобільна котельня"
        "|котлов|твердотопливный котел|твердотопливные котлы|твердотопливных котлов"
        "|модульная котельная|мобильная котельная",
        "Heizkesseln|Kessel|Festbrennstoffkessel|Holzvergaserkessel|Mobile Heizzentrale|Heizcontainer",
        "boiler|boilers|heating boilers|solid fuel boiler|mobile boiler house|modular boiler house",
    ),
    ItemData(
        "firewood",
        "shelter",
        "t",
        "Дрова",
        "Brennholz",
        "Firewood",
        "дров|дровами|колоті дрова|дрова колоті|дрова для опалення|дрова для печей|колотые дрова",
        "Feuerholz|Kaminholz|Holzscheite|Ofenholz",
        "fire wood|wood logs|logs|split logs",
    ),
)
