# Les textes des pages de Latchkey en français. Mêmes identifiants et mêmes { $arguments } que
# ../en/latchkey.ftl (un test unitaire le vérifie).

## base.html
base-footer = Latchkey · identité et mots de passe en libre-service
base-language = Langue
nav-home = Accueil
nav-outbox = Messages envoyés
nav-sign-out = Se déconnecter
nav-sign-in = Se connecter
back-to-start = Retour à la page d’accueil

## home.html
home-title = Accueil
home-welcome = Bienvenue, { $name }
home-signed-in-as = Vous êtes connecté en tant que
home-vault-link = Votre coffre
home-vault-text = : les mots de passe conservés pour vos comptes.
home-totp-link = Application d’authentification
home-questions-link = Questions de sécurité
home-proof-text = : des moyens de prouver que c’est bien vous.
home-password-link = Changer de mot de passe
home-sessions-link = Où vous êtes connecté
home-sessions-text = : déconnecter les autres navigateurs.
home-admin = Administration
home-privileges = Vos privilèges :
home-mpr-link = Réinitialisation massive des mots de passe
home-anonymous-title = Connectez-vous pour gérer votre mot de passe
home-anonymous-text = Latchkey vérifie qui vous êtes et vous permet de définir votre mot de passe là où se trouvent vos comptes.
home-sign-in = Se connecter

## error.html
status-bad-request = Requête incorrecte
status-forbidden = Accès refusé
status-not-found = Page introuvable
status-service-unavailable = Service indisponible
status-internal-server-error = Erreur interne
status-error = Erreur
error-not-found = Il n’y a pas de page à cette adresse.
error-unavailable = Le service est momentanément indisponible. Veuillez réessayer dans une minute.
error-internal = Un problème est survenu de notre côté. Veuillez réessayer ; si cela continue, prévenez votre support.
error-form-incomplete = Le formulaire était incomplet.
error-totp-unavailable = Les applications d’authentification ne peuvent pas être configurées sur ce serveur.

## prompt.html et les étapes de connexion
prompt-method = Méthode de connexion
prompt-forgot = Mot de passe oublié ?
login-generic-failure = L’identifiant ou le mot de passe est incorrect.
login-expired = Votre connexion a pris trop de temps ou a déjà été utilisée. Veuillez recommencer.
login-stale = Cette page n’était plus à jour, rien n’a été envoyé. Veuillez réessayer.
login-choose-title = Choisissez comment vous connecter
login-choose-intro = Choisissez l’un des moyens de prouver qui vous êtes.
login-continue = Continuer
login-sign-in = Se connecter
login-user-intro = Saisissez votre identifiant.
login-user-id = Identifiant
login-password-title = Saisissez votre mot de passe
login-signing-in-as = Connexion en tant que { $user }.
login-password = Mot de passe
login-hint-title = Votre indice de mot de passe
login-hint = Indice : { $hint }
login-details-title = Confirmez vos informations
login-details-intro = Saisissez ces informations exactement comme votre organisation les connaît.
login-personal-title = Confirmez vos informations personnelles
login-personal-intro = Saisissez ces informations comme votre employeur les connaît.
login-totp-title = Saisissez votre code d’authentification
login-totp-intro = Ouvrez votre application d’authentification et saisissez le code qu’elle affiche pour Latchkey. Téléphone perdu ? Saisissez plutôt l’un de vos codes de secours.
login-code = Code
login-verify = Vérifier
login-questions-title = Répondez à vos questions de sécurité
login-questions-intro = Connexion en tant que { $user }. Les majuscules et les espaces en trop ne comptent pas.
login-caller-title = Vérifier l’appelant
login-check-answer = Vérifier la réponse
login-external-title = Vérifiez votre identité
login-focus-title = Qui êtes-vous ?
login-focus-intro = Saisissez les informations par lesquelles nous vous connaissons.
login-link-title = Se connecter avec un lien par e-mail
login-link-intro = Nous allons envoyer un lien à usage unique à { $to }.
login-link-send = Envoyer le lien
login-link-check = Consultez vos e-mails
login-link-again = Renvoyer le lien
login-pin-title = Se connecter avec un code PIN
login-pin-intro = Nous allons envoyer un code PIN à usage unique à { $to }.
login-pin-send = Envoyer le code PIN
login-pin-enter-title = Saisissez votre code PIN
login-pin-enter = Saisissez le code PIN envoyé à { $to }.
login-pin = Code PIN
login-pin-again = Envoyer un nouveau code PIN

## account_sessions.html
sessions-title = Où vous êtes connecté
sessions-ended =
    { $count ->
        [one] 1 session a été déconnectée.
       *[other] { $count } sessions ont été déconnectées.
    }
sessions-intro = Ces navigateurs sont connectés à votre compte en ce moment. Si vous n’en reconnaissez pas un, déconnectez-le et changez votre mot de passe.
sessions-this = cette session
sessions-started = Connecté le
sessions-ends = Se termine le
sessions-current = C’est le navigateur que vous utilisez en ce moment. Utilisez « Se déconnecter » sur la page d’accueil pour y mettre fin.
sessions-end-one = Déconnecter cette session
sessions-end-others = Se déconnecter partout ailleurs
sessions-alone = Vous n’êtes connecté nulle part ailleurs.
sessions-devices = Navigateurs mémorisés
sessions-remembered = Ce navigateur est mémorisé pour vous jusqu’au { $until }.
sessions-not-remembered = Ce navigateur n’est pas mémorisé pour vous.
sessions-devices-text = Chaque navigateur sur lequel vous vous connectez est mémorisé pendant un an par un cookie signé conservé uniquement dans ce navigateur, afin que les règles de connexion puissent le reconnaître. Le serveur ne garde aucune liste de ces navigateurs : ils ne peuvent pas être listés ni oubliés un par un ici. Un navigateur n’est plus reconnu quand son cookie expire (un an après votre dernière connexion avec lui) ou quand ses cookies sont effacés ; le déconnecter ou changer votre mot de passe ne le fait pas oublier.
sessions-unknown-browser = Navigateur inconnu

## change_password.html, change_password_done.html
password-title = Changer de mot de passe
password-heading = Changez votre mot de passe
password-signed-in-as = Connecté en tant que
password-others-end = . Vos autres sessions sont déconnectées quand le mot de passe change.
password-not-changed = Votre mot de passe n’a pas été changé : voyez les champs signalés ci-dessous.
password-current = Mot de passe actuel
password-new = Nouveau mot de passe
password-rules = Votre nouveau mot de passe doit respecter ces règles :
password-strength = Robustesse
password-strength-of = { $value } sur 4
password-estimate = (une estimation ; le serveur vérifie à nouveau)
password-again = Nouveau mot de passe (confirmation)
password-submit = Changer de mot de passe
password-mismatch = Les deux nouveaux mots de passe ne sont pas identiques. Saisissez deux fois le nouveau.
password-wrong-current = Votre mot de passe actuel n’a pas été accepté. Vérifiez-le et réessayez ; après plusieurs erreurs, votre compte est verrouillé.
password-done-title = Mot de passe changé
password-done-heading = Votre mot de passe a été changé
password-done-use = Utilisez désormais votre nouveau mot de passe.
password-done-one-ended = Votre autre session a été déconnectée.
password-done-ended = Vos { $count } autres sessions ont été déconnectées.
password-done-links = Les liens et codes envoyés auparavant ne fonctionnent plus.
password-done-notice = Nous avons envoyé un avis à votre adresse e-mail, si vous en avez une.
rule-common = Pas un mot de passe courant ou divulgué
rule-user-data = Ne contient ni votre identifiant, ni votre nom, ni votre adresse e-mail

## vault.html
vault-title = Votre coffre
vault-password = Mot de passe
vault-copy = Copier
vault-copied = Copié.
vault-copy-keys = Appuyez sur Ctrl+C (ou Cmd+C) pour copier.
vault-select = Sélectionnez le texte pour le copier. Personne d’autre ne peut voir ce mot de passe ; cet affichage a été enregistré.
vault-no-secret = Cet élément n’a pas encore de mot de passe.
vault-unavailable = Le coffre n’est pas disponible sur ce serveur.
vault-empty = Vous n’avez aucun élément dans le coffre.
vault-user-name = Nom d’utilisateur
vault-account = Compte
vault-changed = Mot de passe changé
vault-never = jamais
vault-show = Afficher le mot de passe

## account_totp.html
totp-title = Application d’authentification
totp-done = Votre application d’authentification est configurée. Désormais, la connexion peut vous demander un code de celle-ci.
totp-codes = Codes de secours
totp-codes-text = Si vous perdez votre téléphone, chacun de ces codes fonctionne une fois à la place d’un code de l’application. Notez-les ou imprimez-les maintenant : ils ne sont affichés qu’une seule fois.
totp-continue = Continuer
totp-replace = Une application d’authentification est déjà configurée. En configurer une nouvelle ci-dessous la remplace : l’ancienne application et ses codes de secours cessent de fonctionner dès que vous confirmez.
totp-scan = 1. Scannez ce code avec votre application
totp-qr = Code QR pour votre application d’authentification
totp-cannot-scan = Impossible de scanner ? Saisissez plutôt cette clé dans l’application (basée sur le temps, 6 chiffres) :
totp-type = 2. Saisissez le code affiché par l’application
totp-code = Code de l’application
totp-confirm = Confirmer
totp-not-now = Pas maintenant
totp-remove = Supprimer l’application d’authentification
totp-expired = Cette page est restée ouverte trop longtemps. Scannez le nouveau code ci-dessous et réessayez.
totp-wrong = Ce code n’est pas le bon. Saisissez le code que votre application affiche maintenant (6 chiffres).

## account_questions.html
questions-title = Questions de sécurité
questions-enrolled = Vos réponses de sécurité sont enregistrées. En enregistrer de nouvelles ici les remplace toutes.
questions-intro = Les réponses à ces questions vous permettent de prouver qui vous êtes si vous oubliez votre mot de passe. Seule une empreinte à sens unique de chaque réponse est conservée ; majuscules et espaces ne comptent pas.
questions-problems = Certaines réponses doivent être modifiées (signalées ci-dessous) ; rien n’a été enregistré.
questions-own = Votre question
questions-answer = Votre réponse
questions-save = Enregistrer mes réponses
questions-not-now = Pas maintenant
questions-answer-n = Répondez à { $count } de ces questions.
login-link-accepted = Lien accepté
login-link-confirmed = Votre adresse e-mail est confirmée. Continuez pour terminer la connexion.
login-link-refused = Ce lien ne peut pas être utilisé ici. Ouvrez-le dans le navigateur où vous l’avez demandé, avant qu’il n’expire ; ou recommencez la connexion.
