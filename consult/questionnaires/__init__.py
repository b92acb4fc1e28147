"""The two revision questionnaires: definitions, validation, storage and the responding pages."""
