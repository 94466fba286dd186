"""What both front doors, the Flask-AppBuilder views (app/views) and the Flask-Admin console (app/console), share
in answering a request: downloads and xlsx responses, the domain's texts in the user's language, ids read from
URLs and forms, number checks for generated forms.

It sits between them and the domain: it imports the domain, the models and the storage, never a view, the console,
the security package, Flask-AppBuilder or Flask-Admin (tests/unit/test_layers.py keeps it so).
"""
