"""Password hashing and the password policy."""

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 128

#: Passwords seen most often in leaks (and their Chinese-keyboard favourites); always refused.
COMMON = {
    "password", "password1", "password123", "passw0rd", "12345678", "123456789", "1234567890",
    "qwertyuiop", "qwerty123", "1q2w3e4r5t", "1qaz2wsx3edc", "iloveyou", "welcome123", "admin123",
    "administrator", "abc123456", "a123456789", "aa123456789", "woaini1314", "woaini520",
    "5201314520", "1314520520", "zhang123456", "wang123456", "li123456789", "888888888",
    "666666666", "111111111", "000000000", "11223344", "asdfghjkl", "zxcvbnm123", "letmein123",
    "p@ssw0rd", "p@ssword1", "changeme123", "football123", "baseball123", "dragon1234",
    "sunshine123", "princess123", "monkey12345", "123qweasd", "qweasdzxc", "qazwsxedc",
}


def policy_errors(password: str, email: str = "", name: str = "") -> list[str]:
    """Return every reason, in the user's language, why ``password`` is not acceptable."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(_("Use at least %(n)d characters.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        errors.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in COMMON:
        errors.append(_("This password is too common; choose another."))
    elif len(set(password)) < 5:
        errors.append(_("Use more different characters."))
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        errors.append(_("Do not use your e-mail address in the password."))
    elif name and len(name) >= 3 and name.lower() in lowered:
        errors.append(_("Do not use your name in the password."))
    if not any(char.isalpha() for char in password) or not any(char.isdigit() for char in password):
        errors.append(_("Mix letters and digits."))
    return errors


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)
