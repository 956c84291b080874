//! The texts Latchkey ships: a subject and a plain body for each kind of message, in English
//! and French. Operators replace any of them through settings rows (see the parent module).

use crate::MessageKind;

/// (kind, language, subject, body).
pub(super) const BUILTIN: &[(MessageKind, &str, &str, &str)] = &[
    (
        MessageKind::SignInNotice,
        "en",
        "New sign-in to your account",
        "Hello {name},

someone signed in to your account ({login}) on {time}
from: {browser}

If this was you, there is nothing to do. If it was not, change your password now at
{site}login
",
    ),
    (
        MessageKind::SignInNotice,
        "fr",
        "Nouvelle connexion à votre compte",
        "Bonjour {name},

une connexion à votre compte ({login}) a eu lieu le {time}
depuis : {browser}

Si c'était vous, vous n'avez rien à faire. Sinon, changez votre mot de passe dès maintenant :
{site}login
",
    ),
    (
        MessageKind::Pin,
        "en",
        "Your verification code",
        "Hello {name},

your verification code is {pin}

It is valid for {expiry_minutes} minutes and works once. Nobody from the help desk will ever
ask you for it. If you did not ask for a code, you can ignore this message.
",
    ),
    (
        MessageKind::Pin,
        "fr",
        "Votre code de vérification",
        "Bonjour {name},

votre code de vérification est {pin}

Il est valable {expiry_minutes} minutes et ne sert qu'une fois. Le support ne vous le
demandera jamais. Si vous n'avez pas demandé de code, ignorez ce message.
",
    ),
    (
        MessageKind::Link,
        "en",
        "Reset your password",
        "Hello {name},

to choose a new password for {login}, open this link:

{link}

The link is valid for {expiry_minutes} minutes and works once. If you did not ask for it,
ignore this message: your password stays as it is.
",
    ),
    (
        MessageKind::Link,
        "fr",
        "Réinitialisez votre mot de passe",
        "Bonjour {name},

pour choisir un nouveau mot de passe pour {login}, ouvrez ce lien :

{link}

Le lien est valable {expiry_minutes} minutes et ne sert qu'une fois. Si vous ne l'avez pas
demandé, ignorez ce message : votre mot de passe ne change pas.
",
    ),
    (
        MessageKind::PasswordChanged,
        "en",
        "Your password was changed",
        "Hello {name},

the password of your account ({login}) was changed on {time}
from: {browser}

If this was not you, contact your help desk at once.
{site}
",
    ),
    (
        MessageKind::PasswordChanged,
        "fr",
        "Votre mot de passe a été changé",
        "Bonjour {name},

le mot de passe de votre compte ({login}) a été changé le {time}
depuis : {browser}

Si ce n'était pas vous, contactez votre support sans attendre.
{site}
",
    ),
    (
        MessageKind::AccountUnlocked,
        "en",
        "Your account was unlocked",
        "Hello {name},

your account ({login}) was unlocked on {time}
from: {browser}

Your password was not changed: sign in with the one you had.
If this was not you, contact your help desk at once.
{site}
",
    ),
    (
        MessageKind::AccountUnlocked,
        "fr",
        "Votre compte a été débloqué",
        "Bonjour {name},

votre compte ({login}) a été débloqué le {time}
depuis : {browser}

Votre mot de passe n'a pas changé : connectez-vous avec celui que vous aviez.
Si ce n'était pas vous, contactez votre support sans attendre.
{site}
",
    ),
    (
        MessageKind::NewPassword,
        "en",
        "Your new password",
        "Hello {name},

the password of your account ({login}) was reset on {time}
from: {browser}

Your new password is:

{password}

Sign in with it at {site}login
If you are asked to, choose a password of your own right away. If you did not ask for a
new password, contact your help desk at once.
",
    ),
    (
        MessageKind::NewPassword,
        "fr",
        "Votre nouveau mot de passe",
        "Bonjour {name},

le mot de passe de votre compte ({login}) a été réinitialisé le {time}
depuis : {browser}

Votre nouveau mot de passe est :

{password}

Connectez-vous avec lui sur {site}login
Si on vous le demande, choisissez aussitôt un mot de passe à vous. Si vous n'avez pas
demandé de nouveau mot de passe, contactez votre support sans attendre.
",
    ),
    (
        MessageKind::Test,
        "en",
        "Latchkey test message",
        "Hello {name},

this test message was sent by {site} on {time}. Mail delivery works.
",
    ),
    (
        MessageKind::Test,
        "fr",
        "Message de test Latchkey",
        "Bonjour {name},

ce message de test a été envoyé par {site} le {time}. L'envoi de courrier fonctionne.
",
    ),
];
