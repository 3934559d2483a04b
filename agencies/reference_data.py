"""Reference configuration shared by the demo and the synthetic county: the question bank,
the assessment types agencies know, and the contact types. Loading it twice changes nothing."""

from django.db import transaction

from .models import Agency, AssessmentType, ContactType, Question, Sector

# Twelve domains of five canonical questions each.
QUESTION_BANK = {
    "Housing": [
        ("housing_tenure", "What kind of home do you live in (owned, rented, temporary)?"),
        ("housing_condition", "Is your home in a good state of repair, warm and dry?"),
        ("housing_overcrowding", "How many people sleep in the home, and in how many bedrooms?"),
        ("housing_arrears", "Are you behind with rent or mortgage payments?"),
        ("housing_risk_of_loss", "Are you at risk of losing your home in the next two months?"),
    ],
    "Income and debt": [
        ("income_sources", "What money comes into the household each month, and from where?"),
        ("income_benefits", "Which benefits does the household receive?"),
        ("debt_priority", "Do you owe money on council tax, energy or water?"),
        ("debt_other", "Do you owe money to lenders, friends or family?"),
        ("income_food", "In the last month, have you gone without food because of money?"),
    ],
    "Employment": [
        ("employment_status", "Are you working, looking for work, or unable to work?"),
        ("employment_history", "What work have you done before?"),
        ("employment_barriers", "What makes it hard to find or keep work?"),
        ("employment_skills", "What qualifications or skills do you have?"),
        ("employment_childcare", "Would you need childcare to work?"),
    ],
    "Education and attendance": [
        ("education_school", "Which school or nursery does each child attend?"),
        ("education_attendance", "How often has each child missed school this term?"),
        ("education_exclusions", "Has any child been excluded or on a reduced timetable?"),
        ("education_sen", "Does any child have special educational needs or an EHC plan?"),
        ("education_engagement", "How do the children feel about school?"),
    ],
    "Physical health": [
        ("health_gp_registered", "Is everyone registered with a GP and a dentist?"),
        ("health_conditions", "Does anyone have a long-term health condition?"),
        ("health_medication", "What medication does anyone take regularly?"),
        ("health_immunisations", "Are the children's immunisations up to date?"),
        ("health_hospital_visits", "How often has anyone been to A&E in the last year?"),
    ],
    "Mental health": [
        ("mental_health_mood", "How has your mood been over the last two weeks?"),
        ("mental_health_diagnosis", "Have you been told you have a mental health condition?"),
        ("mental_health_support", "Are you getting any support for your mental health?"),
        ("mental_health_self_harm", "Have you had thoughts of harming yourself?"),
        ("mental_health_sleep", "How well are you sleeping?"),
    ],
    "Substance use": [
        ("substance_alcohol", "How often do you drink alcohol, and how much?"),
        ("substance_drugs", "Do you use any drugs not prescribed to you?"),
        ("substance_treatment", "Are you in touch with a drug or alcohol service?"),
        ("substance_impact", "Does anyone's drinking or drug use affect the children?"),
        ("substance_smoking", "Does anyone smoke in the home?"),
    ],
    "Domestic abuse": [
        ("da_feel_safe", "Do you feel safe at home?"),
        ("da_afraid", "Is there anyone you are afraid of?"),
        ("da_injuries", "Has anyone hurt you or the children?"),
        ("da_controlling", "Does anyone control your money, phone or who you see?"),
        ("da_previous_reports", "Have the police been called to the home before?"),
    ],
    "Offending": [
        ("offending_current", "Is anyone in the household on bail, licence or an order?"),
        ("offending_history", "Has anyone in the household been convicted of an offence?"),
        ("offending_victim", "Has anyone in the household been a victim of crime?"),
        ("offending_asb", "Have there been complaints of anti-social behaviour?"),
        ("offending_peers", "Are any of the young people spending time with people who offend?"),
    ],
    "Parenting and relationships": [
        ("parenting_routines", "What are the children's daily routines (meals, bedtime)?"),
        ("parenting_boundaries", "How do you set boundaries for the children?"),
        ("parenting_support_network", "Who can you turn to for help with the children?"),
        ("parenting_relationships", "How do the adults in the household get on?"),
        ("parenting_contact", "Do the children see parents who live elsewhere?"),
    ],
    "Child development": [
        ("child_milestones", "Is the child meeting developmental milestones?"),
        ("child_speech", "How are the child's speech and language?"),
        ("child_feeding", "How is the child feeding and growing?"),
        ("child_play", "How does the child play with others?"),
        ("child_behaviour", "Are you worried about the child's behaviour?"),
    ],
    "Disability": [
        ("disability_any", "Does anyone in the household have a disability?"),
        ("disability_care", "Does anyone need help with personal care?"),
        ("disability_carer", "Is anyone in the household a carer, including a young carer?"),
        ("disability_adaptations", "Does the home need adaptations?"),
        ("disability_benefits", "Does anyone receive disability benefits?"),
    ],
}

# (code, name, agency code, level, question codes) named as agencies know them.
ASSESSMENT_TYPES = [
    (
        "early_help",
        "Early help assessment",
        "socialcare",
        "family",
        [
            "housing_tenure",
            "housing_condition",
            "income_sources",
            "debt_priority",
            "employment_status",
            "education_attendance",
            "health_gp_registered",
            "mental_health_mood",
            "da_feel_safe",
            "parenting_routines",
            "parenting_support_network",
            "substance_impact",
        ],
    ),
    (
        "child_and_family",
        "Child and family assessment",
        "socialcare",
        "person",
        [
            "housing_tenure",
            "housing_overcrowding",
            "income_sources",
            "education_attendance",
            "health_conditions",
            "mental_health_mood",
            "da_feel_safe",
            "da_afraid",
            "parenting_routines",
            "parenting_boundaries",
            "substance_impact",
            "child_behaviour",
        ],
    ),
    (
        "new_birth_visit",
        "Health visitor new birth visit",
        "healthvisitor",
        "person",
        [
            "housing_condition",
            "health_gp_registered",
            "health_immunisations",
            "mental_health_mood",
            "da_feel_safe",
            "parenting_support_network",
            "child_feeding",
            "child_milestones",
            "substance_smoking",
        ],
    ),
    (
        "housing_needs",
        "Housing needs assessment",
        "housing",
        "person",
        [
            "housing_tenure",
            "housing_condition",
            "housing_overcrowding",
            "housing_arrears",
            "housing_risk_of_loss",
            "income_sources",
            "income_benefits",
            "debt_priority",
            "da_feel_safe",
            "disability_adaptations",
        ],
    ),
    (
        "claimant_commitment",
        "Claimant commitment interview",
        "jobcentre",
        "person",
        [
            "employment_status",
            "employment_history",
            "employment_barriers",
            "employment_skills",
            "employment_childcare",
            "income_sources",
            "income_benefits",
            "health_conditions",
            "disability_any",
        ],
    ),
    (
        "dash_risk",
        "Police domestic abuse risk assessment",
        "police",
        "person",
        [
            "da_feel_safe",
            "da_afraid",
            "da_injuries",
            "da_controlling",
            "da_previous_reports",
            "substance_alcohol",
            "mental_health_self_harm",
            "offending_history",
            "parenting_contact",
        ],
    ),
    (
        "attendance_review",
        "School attendance review",
        "school",
        "person",
        [
            "education_school",
            "education_attendance",
            "education_exclusions",
            "education_sen",
            "education_engagement",
            "health_conditions",
            "parenting_routines",
            "housing_tenure",
        ],
    ),
    (
        "mental_health_triage",
        "Mental health triage",
        "gp",
        "person",
        [
            "mental_health_mood",
            "mental_health_diagnosis",
            "mental_health_support",
            "mental_health_self_harm",
            "mental_health_sleep",
            "substance_alcohol",
            "substance_drugs",
            "da_feel_safe",
            "health_medication",
        ],
    ),
    (
        "youth_justice",
        "Youth justice assessment",
        "police",
        "person",
        [
            "offending_current",
            "offending_history",
            "offending_victim",
            "offending_peers",
            "education_attendance",
            "substance_drugs",
            "mental_health_mood",
            "parenting_boundaries",
            "housing_tenure",
        ],
    ),
    (
        "adult_care_needs",
        "Adult social care needs assessment",
        "socialcare",
        "person",
        [
            "disability_any",
            "disability_care",
            "disability_carer",
            "disability_adaptations",
            "health_conditions",
            "health_medication",
            "housing_condition",
            "income_benefits",
            "mental_health_mood",
        ],
    ),
]

# (code, name, sector) of the demo's agencies; each code is also the demo sign-in.
DEMO_AGENCIES = [
    ("police", "County Police", Sector.POLICE),
    ("socialcare", "Children's Social Care", Sector.CHILDRENS_SOCIAL_CARE),
    ("healthvisitor", "Health Visiting Service", Sector.HEALTH_VISITING),
    ("gp", "Riverside GP Practice", Sector.GP),
    ("school", "Hillside Primary School", Sector.EDUCATION),
    ("housing", "District Housing Options", Sector.HOUSING),
    ("jobcentre", "Jobcentre Plus", Sector.EMPLOYMENT),
    ("advocacy", "Family Advocacy Service", Sector.ADVOCACY),
    # Information governance of the partnership: it holds no records of its own.
    ("partnership", "Joined Up Partnership", Sector.OTHER),
]

CONTACT_TYPES = [
    ("police_domestic_violence_incident", "Domestic abuse call-out", Sector.POLICE),
    ("police_asb_incident_further_action", "Anti-social behaviour incident", Sector.POLICE),
    ("police_welfare_check", "Welfare check", Sector.POLICE),
    ("social_work_visit", "Social worker visit", Sector.CHILDRENS_SOCIAL_CARE),
    ("social_care_referral", "Referral to children's social care", Sector.CHILDRENS_SOCIAL_CARE),
    ("health_visitor_visit", "Health visitor home visit", Sector.HEALTH_VISITING),
    ("gp_appointment", "GP appointment", Sector.GP),
    ("ae_attendance", "A&E attendance", Sector.HOSPITAL),
    ("school_attendance_meeting", "School attendance meeting", Sector.EDUCATION),
    ("school_exclusion", "Fixed-term exclusion", Sector.EDUCATION),
    ("housing_advice", "Housing advice appointment", Sector.HOUSING),
    ("housing_eviction_notice", "Eviction notice served", Sector.HOUSING),
    ("jobcentre_appointment", "Jobcentre work coach appointment", Sector.EMPLOYMENT),
    ("benefit_sanction", "Benefit sanction review", Sector.EMPLOYMENT),
    ("advocate_visit", "Advocate visit", Sector.ADVOCACY),
    ("case_conference", "Case conference", Sector.ADVOCACY),
]


@transaction.atomic
def load_reference_data(
    *, agencies=DEMO_AGENCIES, contact_types=CONTACT_TYPES, assessment_types=ASSESSMENT_TYPES
) -> dict[str, Agency]:
    """Create or update the question bank, contact types, agencies and assessment types."""
    for domain, questions in QUESTION_BANK.items():
        for code, text in questions:
            Question.objects.update_or_create(code=code, defaults={"text": text, "domain": domain})
    for code, label, sector in contact_types:
        ContactType.objects.update_or_create(code=code, defaults={"label": label, "sector": sector})
    by_code = {}
    for code, name, sector in agencies:
        by_code[code], _ = Agency.objects.update_or_create(
            code=code, defaults={"name": name, "sector": sector}
        )
    questions = {q.code: q for q in Question.objects.all()}
    for code, name, agency_code, level, question_codes in assessment_types:
        assessment_type, _ = AssessmentType.objects.update_or_create(
            code=code, defaults={"name": name, "agency": by_code[agency_code], "level": level}
        )
        assessment_type.questions.set([questions[c] for c in question_codes])
    return by_code
