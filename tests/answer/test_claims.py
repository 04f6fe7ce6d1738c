import pytest

from rag.answer.claims import (
    adds_nothing,
    answer_kind,
    claims,
    figure_of_other_period,
    has_kind,
    off_topic,
    only_qualifiers,
    ungrounded,
)

PASSAGE = (
    "The delegation will be led by the US Secretary of State, Antony Blinken, accompanied by "
    "Alejandro Mayorkas; they meet López Obrador on Wednesday and 242,000 migrants were detained."
)


def test_claims_are_names_numbers_and_dates():
    assert claims("Blinken met Lopez Obrador on Wednesday after 242,000 arrests.") == [
        "Blinken",
        "Lopez Obrador",
        "Wednesday",
        "242,000",
    ]
    assert claims("The Secretary of State met the Secretary, Mayorkas.") == [
        "Secretary of State",
        "Secretary",
        "Mayorkas",
    ]
    assert claims("The talks were cordial.") == []


def test_grounding_folds_accents_thousands_possessives_and_number_words():
    assert ungrounded("Lopez Obrador's guest was Blinken [1].", PASSAGE) == []
    assert ungrounded("About 242000 migrants.", PASSAGE) == []
    assert ungrounded("Two officials went.", "The two officials went.") == []
    assert ungrounded("2 officials went.", "The two officials went.") == []
    assert ungrounded("The Mexican president.", "The president of Mexico.") == []


def test_names_and_numbers_the_passage_lacks_are_reported():
    assert ungrounded("Kamala Harris led it.", PASSAGE) == ["Kamala Harris"]
    assert ungrounded("About 250,000 migrants.", PASSAGE) == ["250,000"]
    # A name the user wrote in the question is the user's claim, not the answer's, if the
    # articles know it; a name no article uses is never backed, whoever wrote it first.
    corpus = {"harris"}.__contains__
    assert ungrounded("Harris was not there.", PASSAGE, question="Did Harris travel?", known=corpus) == []
    assert ungrounded("Menendez said so.", PASSAGE, question="What did Menendez say?") == ["Menendez"]
    # Only the last word of a question's name need be known: excerpts say "James", not "Letitia".
    asked = "Whom did Attorney General Letitia James target?"
    corpus = {"attorney", "general", "jam", "james"}.__contains__
    assert ungrounded("Letitia James targeted Trump.", "Trump was fined.", asked, corpus) == []
    assert ungrounded("Farhad Moshiri praised Trump.", "Trump was fined.", "Did Farhad Moshiri?", corpus) == [
        "Farhad Moshiri"
    ]
    # So is a date it gave ("closed in December" restates the question), but not a new one.
    assert ungrounded("In October 242,000 were detained.", PASSAGE, question="How many in October?") == []
    assert ungrounded("In October 242,000 were detained.", PASSAGE, question="How many were detained?") == [
        "October"
    ]


def test_a_name_needs_a_foothold_in_the_cited_text_and_the_rest_known_to_the_corpus():
    corpus = {"antony", "secretary", "state"}.__contains__
    assert ungrounded("Secretary of State Antony Blinken.", "Blinken will travel.", known=corpus) == []
    assert ungrounded("Secretary of State Antony Blinken.", "Blinken will travel.") == [
        "Secretary of State Antony Blinken"
    ]
    # Mayorkas is in the corpus but not in the cited sentence: the citation does not back him.
    assert ungrounded("Mayorkas led it.", "Blinken will travel.", known={"mayorkas"}.__contains__) == [
        "Mayorkas"
    ]
    # Initials: "United States" is grounded by a text that says "US".
    assert ungrounded("The United States closed them.", "The US closed crossings.") == []


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Who led the US delegation?", "person"),
        ("When will they meet again?", "time"),
        ("On which day did the delegation travel?", "time"),
        ("What date was the meeting?", "time"),
        ("How many migrants were detained?", "number"),
        ("Where did they meet?", "place"),
        ("In which city did they meet?", "place"),
        ("Which company did Sam Altman lead?", "thing"),
        ("What did the State Department say?", None),
    ],
)
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind


def test_answer_must_hold_the_kind_asked_for():
    assert has_kind("Next month [1].", "time")
    assert has_kind("On Wednesday.", "time")
    assert not has_kind("The US will reopen the crossings [1].", "time")
    assert has_kind("About 10,000 people.", "number") and has_kind("Two hours.", "number")
    assert not has_kind("Many people.", "number")
    assert has_kind("Antony Blinken.", "person", "Who led the delegation?")
    # The person asked about is not an answer to "who" about them.
    assert not has_kind("Blinken did.", "person", "Who travelled with Blinken?")
    assert has_kind("Anything at all.", None)
    # "Which X?" wants a name, number or date the question did not give.
    assert has_kind("OpenAI [2].", "thing", "Which company did Sam Altman lead?")
    assert not has_kind("The broadcaster reproduced them [3].", "thing", "Which broadcaster reproduced them?")


def test_an_answer_that_only_restates_the_question_adds_nothing():
    question = "Which US cabinet secretary in charge of homeland security took part in the talks?"
    assert adds_nothing("The Secretary of Homeland Security took part in the talks.", question)
    assert not adds_nothing("Alejandro Mayorkas took part in the talks.", question)
    assert not adds_nothing("The meeting lasted three days.", "How long did they meet?")


def test_a_past_tense_restating_the_question_adds_nothing():
    question = "What did Blinken and López Obrador eat at the National Palace?"
    assert adds_nothing("They ate at the National Palace.", question)
    assert not adds_nothing("They ate tamales at the National Palace.", question)


_CBP = (
    "The United States Customs and Border Protection (CBP) detained 242,000 migrants on the border "
    "with Mexico in November and detected a historic spike in undocumented arrivals in the first days "
    "of December."
)


def test_a_figure_from_a_clause_about_another_month_is_not_the_answer():
    december = "How many undocumented arrivals did CBP detect in the first days of December?"
    assert figure_of_other_period(december, "242,000 [1]", [_CBP])
    assert not figure_of_other_period("How many did CBP detain in November?", "242,000 [1]", [_CBP])
    # No month asked, or a clause that names no month: nothing to contradict.
    assert not figure_of_other_period("How many did CBP detain?", "242,000 [1]", [_CBP])
    assert not figure_of_other_period(december, "9,000 [1]", ["Some 9,000 crossed each day, officials said."])
    # An answer that gives the figure with its own month says which month it is about.
    assert not figure_of_other_period(december, "242,000 in November and a spike in December [1]", [_CBP])


def test_a_passage_sharing_no_word_with_the_question_is_off_topic():
    question = "Who is expected to have a productive game against the Raiders on Christmas Day?"
    assert off_topic(question, ["That's four touchdowns for Purdy alone, and San Francisco is pouring it on"])
    assert not off_topic(question, ["Kelce is in line for a productive outing against the Raiders."])
    assert not off_topic("", ["Anything at all."])  # no question words: nothing to compare


def test_a_year_month_or_weekday_question_needs_that_unit():
    assert not has_kind("Title 42 was lifted in May [1].", "time", "In which year did Title 42 start?")
    assert has_kind("It started in 2020 [1].", "time", "In which year did Title 42 start?")
    assert not has_kind("They met on 27 December [1].", "time", "On which day of the week did they meet?")
    assert has_kind("They met on Wednesday [1].", "time", "On which day of the week did they meet?")
    assert has_kind("Talks resume in January [2].", "time", "In which month will talks resume?")


def test_the_number_of_a_list_item_and_the_digits_of_a_decimal_count_nothing():
    item = "5. Joint Infrastructure Plan: it includes $3.4 billion and $1.5 billion for ports."
    question = "How many land ports of entry will the plan build?"
    assert ungrounded("5 [1]", item, question) == ["5"]  # neither the item number nor "1.5"
    assert ungrounded("$1.5 billion [1]", item, question) == []
    assert ungrounded("5. Joint Infrastructure Plan: $3.4 billion [1]", item, question) == []  # copied
    assert ungrounded("5 ports [1]", "The plan builds 5. Others follow.", question) == []  # a count
    assert ungrounded("5 [1]", item, "What is item 5 of the plan?") == []  # the question's own


def test_a_capitalised_short_form_in_the_cited_text_backs_the_full_name():
    corpus = {"feder", "federal", "reserv", "reserve"}
    cited = "The Fed’s main interest rate is at its highest level since 2001."
    assert ungrounded("The Federal Reserve [1].", cited, known=corpus.__contains__) == []
    # Lower-case words are not short forms: "new" does not back "Newsom".
    assert ungrounded("Gavin Newsom [1].", "A new rule.", known={"gavin", "newsom"}.__contains__) == [
        "Gavin Newsom"
    ]


def test_initials_count_only_where_written_in_capitals():
    assert ungrounded("The United States closed them.", "The U.S. closed crossings.") == []
    # "of" in the cited text is a word, not the initials of Oleg Fomenko.
    cited = "The size of Microsoft's investment is believed to be around $10 billion."
    asked = "Which company did Oleg Fomenko found?"
    assert ungrounded("Oleg Fomenko founded Microsoft.", cited, asked) == ["Oleg Fomenko"]


def test_a_surname_with_another_first_name_than_the_cited_text_gives_is_not_backed():
    corpus = {"mark", "paul", "mitchell", "joe", "biden", "president"}.__contains__
    cited = "Paul Mitchell signed Tottenham and Chelsea superstars."
    assert ungrounded("Mark Mitchell [1].", cited, known=corpus) == ["Mark Mitchell"]
    assert ungrounded("Paul Mitchell [1].", cited, known=corpus) == []
    # A title is not a first name, and a surname the cited text gives alone has none to clash with.
    assert ungrounded("President Biden said so [1].", "Joe Biden said so.", known=corpus) == []
    assert ungrounded("Mark Mitchell [1].", "Mitchell signed them.", known=corpus) == []


def test_only_qualifiers():
    cited = ["Eagle Pass (Texas) with Piedras Negras (Coahuila) closed for five days."]
    question = "Which Mexican city lies across from Eagle Pass?"
    assert only_qualifiers("Coahuila [1]", question, cited)
    assert not only_qualifiers("Piedras Negras [1]", question, cited)
    assert not only_qualifiers("Piedras Negras, in Coahuila [1]", question, cited)  # one name outside
    assert not only_qualifiers("For five days [1]", "How long was Eagle Pass closed?", cited)  # no name


def test_named_gives_the_names_and_figures_an_answer_adds_to_the_question():
    from rag.answer.claims import named

    assert named("Donald Trump [1] inflated it by 2,000 on Thursday.", "Who did Letitia James target?") == {
        "donald",
        "trump",
        "2000",
    }
    assert named("The two leaders met in Lyon.", "Who met in Lyon?") == set()
