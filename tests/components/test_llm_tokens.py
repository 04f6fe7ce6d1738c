from rag.components.llm import token_texts


def test_token_texts_join_to_the_answer_and_give_a_split_character_to_its_last_token():
    pieces = [b"L", b"\xc3", b"\xb3pez", b" [", b"1", b"]"]  # "ó" is split over two tokens
    texts = token_texts(pieces)
    assert texts == ["L", "", "ópez", " [", "1", "]"]
    assert "".join(texts) == "López [1]"
    assert token_texts([]) == []
