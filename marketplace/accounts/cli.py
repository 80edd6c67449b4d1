"""``flask users ...``: account administration from the command line."""

import click
from flask.cli import with_appcontext

from marketplace.accounts import services as accounts
from marketplace.accounts.passwords import policy_errors
from marketplace.errors import ServiceError


@click.group("users")
def users_cli():
    """Accounts."""


@users_cli.command("create-admin")
@click.argument("email")
@click.argument("name")
@click.password_option(help="Asked for (twice) when not given.")
@with_appcontext
def create_admin_command(email: str, name: str, password: str):
    """Create a platform administrator."""
    problems = policy_errors(password, email=email, name=name)
    if problems:
        raise click.ClickException(" ".join(problems))
    try:
        user = accounts.create_admin(email, password, name)
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Administrator {user.email} created.")
