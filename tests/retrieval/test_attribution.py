import pytest

from rag.retrieval.attribution import articles_of, outlet_index, source_mentions
from rag.types import ArticleMeta

ARTICLES = outlet_index(
    {
        "g": ArticleMeta(doc_id="g", source="Gestión"),
        "nyt": ArticleMeta(doc_id="nyt", source="The New York Times"),
        "age": ArticleMeta(doc_id="age", source="The Age"),
        "fortune": ArticleMeta(doc_id="fortune", source="Fortune"),
        "tc": ArticleMeta(doc_id="tc", source="TechCrunch"),
        "roar": ArticleMeta(doc_id="roar", source="The Roar | Sports Writers Blog"),
        "ind": ArticleMeta(doc_id="ind", source="The Independent - Life and Style"),
        "none": ArticleMeta(doc_id="none"),  # no outlet known
    }
)


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("According to Gestion, how many migrants were detained?", {"g"}),  # accents folded
        ("How many were detained, as reported by The New York Times?", {"nyt"}),
        ("Which company, featured in a TechCrunch article, was sued?", {"tc"}),
        ("Who resigned, as reported by Fortune, The Age, and TechCrunch?", {"fortune", "age", "tc"}),
        ("Which team, according to articles from 'The Roar', won?", {"roar"}),
        ("Who was praised in 'The Independent - Life and Style'?", {"ind"}),
        ("Which company sued The New York Times?", set()),  # a party to the story, not its source
        ("Who was tortured by the age of 16?", set()),  # lower case: a phrase, not the outlet
        ("Who made a fortune from the deal?", set()),
        ("According to Variety, who stars in the film?", set()),  # an outlet the library lacks
        ("Who led the delegation?", set()),
    ],
)
def test_an_outlet_counts_as_the_source_only_where_the_question_uses_it_as_one(question, named):
    assert articles_of(source_mentions(question, ARTICLES)) == named


def test_each_source_is_given_as_the_question_writes_it():
    mentions = source_mentions("Which team, as reported by Gestión and 'The Roar', won?", ARTICLES)
    assert mentions == [("Gestion", {"g"}), ("The Roar", {"roar"})]


def test_the_index_has_every_way_of_writing_an_outlet():
    assert set(ARTICLES.docs) == {
        "gestion",
        "the new york times",
        "new york times",
        "the age",
        "age",
        "fortune",
        "techcrunch",
        "the roar | sports writers blog",
        "roar | sports writers blog",
        "the roar",
        "roar",
        "the independent - life and style",
        "independent - life and style",
        "the independent",
        "independent",
    }
