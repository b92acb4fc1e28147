"""Long quotes in three scripts (Latin, CJK, Arabic) for the deck's quotes slides: each longer
than a slide, so that it must go on over the following slides."""

from __future__ import annotations

FRENCH_SENTENCES = [
    "Nous demandons que la Charte reconnaisse le droit à un logement digne pour tous les "
    "habitants, y compris les personnes migrantes et réfugiées.",
    "La ville ne peut pas se contenter de déclarations : il faut un budget, un calendrier et "
    "un observatoire indépendant qui publie chaque année ses constats !",
    "Pourquoi les quartiers populaires seraient-ils consultés en dernier ?",
    "Les associations de locataires doivent siéger dans les instances où se décident les "
    "programmes de rénovation urbaine, avec voix délibérative.",
]
#: About 2,600 characters: two or three slides.
FRENCH = " ".join(FRENCH_SENTENCES * 5)

CHINESE_SENTENCES = [
    "人权城市应当保障所有居民的住房权利，包括移民和难民。",
    "市政府必须公开预算、时间表和独立监测机构的年度报告！",
    "为什么最贫困的社区总是最后才被征求意见？",
    "租户协会应当参与城市更新项目的决策，并拥有表决权。",
]
#: About 1,100 characters without a space: CJK sentences end without one.
CHINESE = "".join(CHINESE_SENTENCES * 12)

ARABIC_SENTENCES = [
    "يجب أن يضمن الميثاق الحق في السكن اللائق لجميع سكان المدينة، بما في ذلك المهاجرون واللاجئون.",
    "لا يكفي أن تصدر البلدية إعلانات، بل يجب أن تخصص ميزانية وجدولا زمنيا ومرصدا مستقلا.",
    "لماذا تستشار الأحياء الفقيرة دائما في النهاية؟",
    "ينبغي أن تشارك جمعيات المستأجرين في القرارات المتعلقة بتجديد الأحياء، مع حق التصويت.",
]
#: About 2,000 characters, right to left.
ARABIC = " ".join(ARABIC_SENTENCES * 6)

#: One sentence longer than a slide (no full stop at all): only there may a break fall between
#: two words, and it is marked as every break is.
RUN_ON = ("la participation des habitants et " * 60).strip()

LONG_QUOTES = (("fr", FRENCH), ("zh", CHINESE), ("ar", ARABIC))
