from textual.widget import Widget


class GrantsPane(Widget):
    def __init__(self, engine, key_id, acting_as, id=None):
        super().__init__(id=id)
