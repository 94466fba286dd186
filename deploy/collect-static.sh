#!/bin/sh
# Copy every static file the platform serves into one folder for nginx (deploy/nginx/green-declaration.conf):
#   app/         the application's own (/static/)
#   appbuilder/  Flask-AppBuilder's (/static/appbuilder/)
#   console/     Flask-Admin's, for the configuration console (/console/static/)
# Usage, from the project folder after every install or upgrade: deploy/collect-static.sh /srv/green-declaration/static
set -eu
target=${1:?usage: deploy/collect-static.sh TARGET_FOLDER}
python=${PYTHON:-.venv/bin/python}
package_folder() {
    "$python" -c "import importlib, os; print(os.path.dirname(importlib.import_module('$1').__file__))"
}
mkdir -p "$target"
rm -rf "$target/app" "$target/appbuilder" "$target/console"
cp -R app/static "$target/app"
cp -R "$(package_folder flask_appbuilder)/static/appbuilder" "$target/appbuilder"
cp -R "$(package_folder flask_admin)/static" "$target/console"
echo "static files in $target"
