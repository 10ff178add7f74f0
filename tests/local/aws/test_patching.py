"""local.aws.patching: apply and undo put back exactly what was there, twice over."""

from local.aws.patching import Patches


class Base:
    def greet(self) -> str:
        return "base"


class Child(Base):
    def name(self) -> str:
        return "child"


def test_apply_undo_restore_own_and_inherited_attributes_and_are_idempotent():
    def greet(self) -> str:
        return "patched " + patches.original(Child, "greet")(self)

    patches = Patches((Child, "greet", greet), (Child, "name", lambda self: "renamed"), (Child, "extra", 5))
    patches.apply()
    patches.apply()  # a second start does not wrap the replacement in itself
    assert (Child().greet(), Child().name(), Child.extra) == ("patched base", "renamed", 5)
    assert Base().greet() == "base"

    patches.undo()
    patches.undo()
    assert "greet" not in Child.__dict__ and not hasattr(Child, "extra")
    assert (Child().greet(), Child().name()) == ("base", "child")
