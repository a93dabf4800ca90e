"""The domain core is plain Python: it imports no web, database or PDF framework."""

import subprocess
import sys


def test_core_imports_no_framework():
    code = (
        "import sys, pkgutil, importlib, ddq.core as core\n"
        "for module in pkgutil.iter_modules(core.__path__): importlib.import_module('ddq.core.' + module.name)\n"
        "print(' '.join(sorted(name for name in sys.modules if name.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'wtforms', 'weasyprint', 'jinja2', 'werkzeug', 'pandas'})))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
