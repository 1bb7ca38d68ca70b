"""The words and weights of the synthetic corpus: what the young people say per code,
how often each code is used, which codes rise or fall over the years, and the themes."""

import uuid

from app.core.users import Role

GUIDE_KEY = "karlstad-follow-up"
#: the namespace of the codings' REFI-QDA GUIDs
GUIDS = uuid.UUID("5d0c1b8e-3a52-4c7e-9a44-be0c40000000")
LANGUAGE = "sv"

#: username -> (display name, roles)
USERS = {
    "bench-coordinator": ("Karin Sandberg", (Role.COORDINATOR, Role.REVIEW_MEMBER)),
    **{f"bench-interviewer{n}": (name, (Role.INTERVIEWER,)) for n, name in enumerate(
        ("Eva Lund", "Johan Berg", "Sara Nyström", "Mikael Ström", "Lina Holm", "Omar Ali"),
        start=1)},
    **{f"bench-researcher{n}": (name, (Role.RESEARCHER,)) for n, name in enumerate(
        ("Ingrid Wallin", "Ahmed Rahimi", "Helena Dahl"), start=1)},
    **{f"bench-member{n}": (name, (Role.REVIEW_MEMBER,)) for n, name in enumerate(
        ("Per Åberg", "Maria Ek", "Nils Falk", "Anneli Rask"), start=1)},
}  # fmt: skip

#: what the young people say, per code: memo lines in the team's words or quoted
SAYINGS = {
    "support_for_birth_parents": (
        "Det var viktigt för mig att någon tog hand om mamma också, inte bara om mig.",
        "Jag oroade mig hela tiden för hur pappa mådde när jag inte var där.",
        "Om mamma hade fått hjälp tidigt hade allt kanske sett annorlunda ut."),
    "contact_with_family": (
        "Umgänget med mamma var varannan helg, och jag längtade alltid till de besöken.",
        "Mormor var den i släkten som höll kontakten med mig hela tiden.",
        "Jag hade velat träffa min pappa oftare än jag fick."),
    "parents_approval": (
        "När mamma sa att hon godkände placeringen kändes det som att jag fick lov att trivas.",
        "Pappa accepterade aldrig att jag bodde i [Ort 1], och det gjorde mig splittrad.",
        "Jag var lojal mot mina föräldrar och vågade inte tycka om fosterfamiljen först."),
    "speaking_of_parents": (
        "Ingen fick prata illa om mina föräldrar, men jag ville att de skulle säga sanningen.",
        "Först när [Person 2] förklarade om missbruket förstod jag varför jag inte kunde bo hemma.",
        "Jag uppskattade att de var ärliga om hur det var med mamma utan att döma henne."),
    "fear_of_inheritance": (
        "Jag har varit rädd för att bli som min pappa.",
        "Ibland undrar jag om jag har ärvt något av det som gjorde mamma sjuk.",
        "Jag vill inte upprepa det mina föräldrar gjorde när jag själv får barn."),
    "wanting_to_belong": (
        "Jag ville bara höra till, vara en av dem och inte en gäst.",
        "På släktträffarna kände jag mig ofta utanför och annorlunda.",
        "Det var först när jag fick ett eget rum som det kändes som hemma."),
    "adults_who_persist": (
        "Jag testade verkligen gränserna, men [Person 1] stod kvar hur mycket jag än bråkade.",
        "De tröttnade aldrig på mig, fast jag gjorde allt för att stöta bort dem.",
        "Det som betydde mest var att de fanns kvar efter de värsta åren."),
    "attachment_last_placement": (
        "I det sista familjehemmet kände jag mig trygg för första gången.",
        "Jag lärde mig att lita på vuxna hos [Person 1] och [Person 2].",
        "Den närheten jag fick i sista placeringen har jag med mig nu som vuxen."),
    "move_not_always_negative": (
        "Flytten till [Ort 2] var faktiskt en lättnad.",
        "Att byta familj kändes som att äntligen få börja om.",
        "Alla flyttar var inte dåliga, den sista var det bästa som hänt mig."),
    "everyday_life": (
        "Vi åt middag tillsammans varje kväll, och rutinerna gjorde mig lugn.",
        "Det fanns regler för läxor och fritid, och det var skönt att veta vad som gällde.",
        "Vardagen var ganska vanlig, och det var precis det jag behövde."),
    "care_and_warmth": (
        "[Person 1] kramade mig när jag var ledsen och tröstade mig på riktigt.",
        "De brydde sig om små saker, som att komma ihåg vad jag tyckte om att äta.",
        "Jag kände värme i det huset från första dagen."),
    "treated_like_own_children": (
        "Jag fick följa med på semester precis som deras egna barn.",
        "Det kändes orättvist när deras egna barn fick mer än jag.",
        "De behandlade oss lika, i allt från julklappar till tillsägelser."),
    "foster_family_afterwards": (
        "Jag hälsar fortfarande på dem på jul och födelsedagar.",
        "[Person 1] ringer mig varje vecka, fast jag har flyttat.",
        "Efteråt har de hört av sig mer än jag trodde att de skulle."),
    "knowing_my_history": (
        "Min socialsekreterare kände till hela min historia från början.",
        "Jag har läst min journal nu och önskar att någon hade förklarat den tidigare.",
        "Det var tröttsamt att berätta min bakgrund för varje ny person."),
    "continuity": (
        "Jag hade säkert tio olika socialsekreterare, och de bara försvann.",
        "När samma socialsekreterare fanns kvar i flera år vågade jag till slut lita på henne.",
        "Varje gång någon slutade fick jag börja om från noll."),
    "talking_and_listening": (
        "Jag hade önskat att hon pratade med mig enskilt och inte bara med de vuxna.",
        "[Person 3] tog sig tid och lyssnade på riktigt när jag berättade.",
        "De frågade sällan vad jag själv tyckte."),
    "not_giving_up": (
        "Hon märkte att något var fel och gav sig inte förrän jag berättade.",
        "Jag är glad att de följde upp och agerade när det blev dåligt hemma.",
        "Någon borde ha märkt det och ingripit tidigare."),
    "fear_of_telling": (
        "Jag vågade inte berätta, för jag var rädd att det skulle bli värre.",
        "Det var en hemlighet i familjen, och jag höll tyst i flera år.",
        "Barn är rädda för vad som händer om de säger något, det måste socialtjänsten förstå."),
    "leaving_care": (
        "När jag fyllde arton kändes det som att allt bara tog slut.",
        "Jag var inte redo att bli myndig och stå på egna ben.",
        "Det hade behövts mer förberedelse innan placeringen avslutades."),
    "own_home": (
        "Att få en egen lägenhet var svårare än jag trodde, ingen ville skriva kontrakt med mig.",
        "Första tiden i eget boende var ensam och jobbig.",
        "Jag hyr ett rum i [Ort 1] nu och trivs ganska bra."),
    "education_and_work": (
        "Jag gick ut gymnasiet med bra betyg, och det är jag stolt över.",
        "Nu pluggar jag till undersköterska och jobbar extra på helgerna.",
        "Det var svårt att klara skolan när allt hemma var kaos."),
    "support_after_18": (
        "Eftervården betydde mycket, särskilt hjälpen med pengar och räkningar.",
        "Efter arton stod jag helt ensam med ekonomin.",
        "Jag hade behövt en kontaktperson några år till efter att jag flyttat."),
    "friends": (
        "Mina kompisar i [Ort 1] var det som höll mig uppe.",
        "Det var svårt att behålla vänner när man flyttade så ofta.",
        "Min flickvän har varit ett stort stöd de senaste åren."),
    "siblings": (
        "Att vi syskon skildes åt är det som gjort mest ont.",
        "Jag har fått kontakt med min halvsyster igen, och det betyder mycket.",
        "Min bror bodde i ett annat familjehem och vi träffades för sällan."),
    "school": (
        "Skolan var en fristad, och en lärare där såg mig verkligen.",
        "Jag blev mobbad i klassen och ingen på skolan gjorde något.",
        "Kuratorn på [Organisation 1] var den första jag pratade med."),
    "other_adults": (
        "Min tränare i fotbollen blev en förebild för mig.",
        "En granne brydde sig om mig och hade alltid tid.",
        "Det fanns vuxna utanför familjen som gjorde stor skillnad."),
    "proud_to_be_asked": (
        "Jag blev stolt över att bli tillfrågad om att vara med.",
        "Det kändes som att min berättelse räknas.",
        "Jag tackade ja direkt när inbjudan kom."),
    "telling_my_story": (
        "Att berätta allt från början gjorde att det hängde ihop för mig.",
        "Jag förstår mig själv bättre nu när jag har fått sätta ord på det.",
        "Det gav mig en insikt om hur mycket jag faktiskt har klarat."),
    "good_ending": (
        "Det här känns som ett bra avslut, nu kan jag gå vidare.",
        "Jag har lagt det bakom mig och är redo för nästa steg.",
        "Det är skönt att sätta punkt för den tiden."),
}  # fmt: skip

#: what is said between the passages that matter
FILLERS = (
    "Vi pratade om det en stund.", "Hon tänker efter innan hon svarar.",
    "Han skrattar lite och säger att det var länge sedan.",
    "Det är svårt att minnas exakt hur det var.", "Jag vet inte riktigt hur jag ska förklara det.",
    "Det var ungefär vid den tiden, runt [Datum 1].", "Vi bodde då i [Ort 2].",
    "Det var både bra och dåligt, tror jag.", "Jag har tänkt mycket på det efteråt.",
    "Så var det i alla fall för mig.",
)  # fmt: skip

#: codes in order of how often they come up (the first far more often than the last)
FREQUENCY_ORDER = (
    "talking_and_listening", "continuity", "wanting_to_belong", "contact_with_family",
    "care_and_warmth", "leaving_care", "support_after_18", "adults_who_persist",
    "fear_of_telling", "knowing_my_history", "siblings", "everyday_life", "school",
    "telling_my_story", "attachment_last_placement", "own_home", "speaking_of_parents",
    "treated_like_own_children", "friends", "education_and_work", "not_giving_up",
    "support_for_birth_parents", "foster_family_afterwards", "proud_to_be_asked",
    "move_not_always_negative", "parents_approval", "other_adults", "fear_of_inheritance",
    "good_ending",
)  # fmt: skip
#: code -> (weight in the first year, weight in the last): the way out of care comes up
#: more and more, changing social workers less and less
TRENDS = {"leaving_care": (0.4, 2.4), "support_after_18": (0.3, 2.8), "own_home": (0.5, 2.0),
          "continuity": (1.8, 0.7)}  # fmt: skip
#: codes that tend to be applied to the same passage as another
PARTNERS = {
    "fear_of_telling": ("talking_and_listening", "not_giving_up"),
    "talking_and_listening": ("fear_of_telling", "continuity"),
    "continuity": ("knowing_my_history", "talking_and_listening"),
    "leaving_care": ("support_after_18", "own_home"),
    "support_after_18": ("leaving_care", "own_home"),
    "wanting_to_belong": ("attachment_last_placement", "treated_like_own_children"),
    "contact_with_family": ("siblings", "parents_approval"),
    "care_and_warmth": ("adults_who_persist", "attachment_last_placement"),
}

#: (name, description, years after the first year it was formed, revised, codes)
THEMES = (
    ("Ursprunget", "Föräldrarna, släkten och rädslan för det ärftliga.", 1, None,
     ("support_for_birth_parents", "contact_with_family", "parents_approval",
      "speaking_of_parents", "fear_of_inheritance")),
    ("Att höra till", "Att få vara en av familjen, och vuxna som står kvar.", 1, 9,
     ("wanting_to_belong", "adults_who_persist", "attachment_last_placement",
      "treated_like_own_children")),
    ("Vardagen och värmen", "Rutiner, omsorg och familjen efteråt.", 2, None,
     ("everyday_life", "care_and_warmth", "foster_family_afterwards",
      "move_not_always_negative")),
    ("Socialsekreteraren", "Att bli känd, lyssnad på och inte lämnad.", 1, 12,
     ("knowing_my_history", "continuity", "talking_and_listening", "not_giving_up")),
    ("Att våga berätta", "Tystnaden, rädslan och sanningen om föräldrarna.", 6, None,
     ("fear_of_telling", "talking_and_listening", "speaking_of_parents")),
    ("Vägen ut i vuxenlivet", "Arton år, eget boende, skola, arbete och eftervård.", 8, 15,
     ("leaving_care", "own_home", "education_and_work", "support_after_18")),
    ("Nätverket", "Syskon, vänner, skolan och andra viktiga vuxna.", 3, None,
     ("siblings", "friends", "school", "other_adults", "contact_with_family")),
    ("Intervjun som avslut", "Stolthet, sammanhang och att gå vidare.", 10, None,
     ("proud_to_be_asked", "telling_my_story", "good_ending")),
)  # fmt: skip

AGE_WEIGHTS = ((15, 17, 15), (18, 20, 45), (21, 24, 30), (25, 28, 10))  # low, high, weight
CARE_WEIGHTS = ((0, 1, 20), (2, 4, 35), (5, 9, 30), (10, 13, 15))
#: (answer, outcome reason, weight) for offers that ended without an interview
ATTRITION = (("declined", "declined", 45), ("no_answer", "unreachable", 15),
             ("unreachable", "unreachable", 15), ("accepted", "unable", 8),
             ("accepted", "too_far", 7), ("accepted", "practical", 8),
             ("accepted", "other", 2))  # fmt: skip
#: offers that ended without an interview, per interview held
NOT_INTERVIEWED_PER_INTERVIEW = 0.5
QUOTATION_SHARE = 0.7
QUOTATION_WITHDRAWN_SHARE = 0.01
