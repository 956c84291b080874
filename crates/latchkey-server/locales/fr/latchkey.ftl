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
login-pin-choose-title = Choisissez où envoyer votre code PIN
login-pin-choose-intro = Nous allons envoyer un code PIN à usage unique à l'adresse que vous choisissez.
login-pin-to-email = Par e-mail à { $to }
login-pin-to-sms = Par SMS au { $to }

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
password-expired-notice = Votre mot de passe a expiré. Choisissez-en un nouveau avant de continuer.
password-change-required = Votre mot de passe a expiré : changez-le sur /account/password avant de continuer.
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
rule-contains-user-data = Ne contient ni votre identifiant, ni votre nom, ni votre adresse e-mail

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

## règles de mot de passe (src/i18n/rules.rs)
rule-kinds = lettres minuscules, lettres majuscules, chiffres, symboles, lettres sans casse
rule-too-short = Au moins { $min ->
        [1] 1 caractère
       *[other] { $min } caractères
    }
rule-too-long = Au plus { $max ->
        [1] 1 caractère
       *[other] { $max } caractères
    }
rule-needs-lower = Au moins { $min ->
        [1] 1 lettre minuscule
       *[other] { $min } lettres minuscules
    }
rule-needs-upper = Au moins { $min ->
        [1] 1 lettre majuscule
       *[other] { $min } lettres majuscules
    }
rule-needs-digits = Au moins { $min ->
        [1] 1 chiffre
       *[other] { $min } chiffres
    }
rule-needs-symbols = Au moins { $min ->
        [1] 1 symbole
       *[other] { $min } symboles
    }
rule-needs-classes = Des caractères d’au moins { $min } de ces types : { $kinds }
rule-too-weak = Assez difficile à deviner (robustesse d’au moins { $min } sur 4)
rule-reused =
    { $count ->
        [1] Pas votre mot de passe précédent
       *[other] Aucun de vos { $count } derniers mots de passe
    }
refusal-too-short = Utilisez au moins { $min ->
        [1] 1 caractère
       *[other] { $min } caractères
    }.
refusal-too-long = Utilisez au plus { $max ->
        [1] 1 caractère
       *[other] { $max } caractères
    }.
refusal-needs-lower = Utilisez au moins { $min ->
        [1] 1 lettre minuscule
       *[other] { $min } lettres minuscules
    }.
refusal-needs-upper = Utilisez au moins { $min ->
        [1] 1 lettre majuscule
       *[other] { $min } lettres majuscules
    }.
refusal-needs-digits = Utilisez au moins { $min ->
        [1] 1 chiffre
       *[other] { $min } chiffres
    }.
refusal-needs-symbols = Utilisez au moins { $min ->
        [1] 1 symbole
       *[other] { $min } symboles
    } (tout ce qui n’est ni une lettre ni un chiffre, comme ! ou une espace).
refusal-needs-classes = Utilisez des caractères d’au moins { $min } de ces types : { $kinds }.
refusal-common = Ce mot de passe figure sur une liste de mots de passe courants et divulgués que les attaquants essaient en premier. Choisissez-en un autre.
refusal-contains-user-data = N’utilisez ni votre identifiant, ni votre nom, ni votre adresse e-mail dans votre mot de passe.
refusal-too-weak = Ce mot de passe est trop facile à deviner (robustesse inférieure à { $min } sur 4). Allongez-le, par exemple avec quelques mots sans rapport entre eux.
refusal-reused =
    { $count ->
        [1] Ne réutilisez pas votre mot de passe précédent.
       *[other] Ne réutilisez aucun de vos { $count } derniers mots de passe.
    }
password-rule-met = (respectée)

## forgot_prompt.html et les textes de src/login/forgot/
forgot-title = Réinitialiser votre mot de passe
forgot-user-intro = Saisissez votre identifiant. S’il correspond à un compte, nous envoyons un code à usage unique à son adresse e-mail.
forgot-code-sent = Si l’identifiant saisi correspond à un compte doté d’une adresse e-mail, nous y avons envoyé un code à usage unique. Saisissez-le pour choisir un nouveau mot de passe.
forgot-link-sent = Si l’identifiant saisi correspond à un compte doté d’une adresse e-mail, nous y avons envoyé un lien. Ouvrez-le dans ce navigateur pour choisir un nouveau mot de passe.
forgot-search-intro = Remplissez le formulaire. S’il correspond à un compte, nous envoyons un code à usage unique à son adresse e-mail.
forgot-failed = Nous n’avons pas pu vous vérifier avec ce code. Veuillez recommencer.
forgot-expired = Votre réinitialisation de mot de passe a pris trop de temps ou a déjà été utilisée. Veuillez recommencer.
forgot-stale = Cette page n’était plus à jour, rien n’a donc été envoyé. Veuillez recommencer.
forgot-resend-code = Envoyer un nouveau code
forgot-choose = Choisissez où nous envoyons un code à usage unique. Si l'identifiant saisi correspond à un compte, le code y est envoyé.
forgot-send-code = Envoyer le code
forgot-back = Retour à la connexion
forgot-refused = Cette réinitialisation de mot de passe ne peut pas être utilisée ici. Recommencez depuis « Mot de passe oublié ? ».
forgot-not-locked = Votre compte n’est pas verrouillé : il n’y a rien à déverrouiller. Revenez en arrière et choisissez un nouveau mot de passe.
forgot-link-confirmed = Votre adresse e-mail est confirmée. Continuez pour choisir un nouveau mot de passe.
error-form-unreadable = Le formulaire n’a pas pu être lu. Rechargez la page et réessayez.
error-sign-in-unreadable = Le formulaire de connexion n’a pas pu être lu. Rechargez la page et réessayez.
error-cross-site = Ce formulaire a été envoyé depuis un autre site et a été refusé.
error-form-expired = Ce formulaire a expiré. Revenez en arrière, rechargez la page et réessayez.

## forgot_new_password.html, forgot_done.html
forgot-new-title = Choisir un nouveau mot de passe
forgot-new-proved = Vous avez prouvé votre identité pour
forgot-new-sessions = . Toutes vos sessions sont déconnectées quand le mot de passe change.
forgot-locked-heading = Votre compte est verrouillé
forgot-locked-text = Il a été verrouillé après trop de tentatives échouées. Si vous connaissez encore votre mot de passe, vous pouvez déverrouiller le compte et le garder.
forgot-unlock = Déverrouiller mon compte et garder mon mot de passe
forgot-or-new = Ou choisissez un nouveau mot de passe ci-dessous ; cela déverrouille aussi le compte.
forgot-set = Enregistrer le nouveau mot de passe
forgot-unlocked-title = Compte déverrouillé
forgot-reset-title = Mot de passe réinitialisé
forgot-unlocked-heading = Votre compte est déverrouillé
forgot-unlocked-text = Connectez-vous avec votre mot de passe actuel ; il n’a pas été changé.
forgot-everything-ended = Toutes les sessions de votre compte ont été déconnectées, et les liens et codes envoyés auparavant ne fonctionnent plus.
forgot-reset-heading = Votre mot de passe a été réinitialisé
forgot-sign-in-new = Connectez-vous avec votre nouveau mot de passe.
forgot-was-locked = Votre compte avait été verrouillé après trop de tentatives échouées ; il est maintenant déverrouillé.
forgot-send-title = Recevoir un nouveau mot de passe
forgot-send-text = Nous créons un nouveau mot de passe pour vous et l’envoyons à l’adresse e-mail de votre compte. Il n’est jamais affiché sur cette page. Vos sessions sont fermées partout quand le mot de passe change.
forgot-send-expires = Quand vous vous connecterez avec lui, vous devrez d’abord choisir votre propre mot de passe.
forgot-send-button = M’envoyer un nouveau mot de passe
forgot-sent-title = Nouveau mot de passe envoyé
forgot-sent-heading = Un nouveau mot de passe a été envoyé
forgot-sent-text = Nous avons envoyé un nouveau mot de passe à l’adresse e-mail de votre compte. Connectez-vous avec lui.
forgot-sent-expired = À la connexion, vous devrez choisir votre propre mot de passe.
forgot-no-address = Votre compte n’a pas d’adresse e-mail où envoyer un nouveau mot de passe. Contactez votre support.

## outbox.html
outbox-title = Boîte d’envoi
outbox-intro = Mode démo : les messages qui auraient été envoyés, les plus récents d’abord.
outbox-none = Aucun message pour l’instant.
outbox-to = À :
outbox-subject = Objet :

## mpr.html, mpr_confirm.html, mpr_run.html (src/pages/mpr/)
mpr-title = Réinitialisation de masse des mots de passe
mpr-intro = Donne un nouveau mot de passe aléatoire à chaque compte des systèmes cibles choisis. Chaque nouveau mot de passe va dans l’élément de coffre de son propriétaire ; la personne qui lance une réinitialisation n’en voit jamais aucun.
mpr-no-master-key = Aucune clé maîtresse n’est configurée
mpr-plan-only =  : les exécutions peuvent être planifiées, mais pas lancées.
mpr-requests = Demandes prédéfinies
mpr-invalid = Les paramètres ne forment pas une demande valide : { $error }
mpr-onboard-title = Intégration
mpr-onboard-about = Crée un élément de coffre et donne un nouveau mot de passe aléatoire à chaque compte qui n’est pas encore dans le coffre. Les comptes déjà dans le coffre sont ignorés.
mpr-reset-title = Réinitialisation
mpr-reset-about = Donne un nouveau mot de passe aléatoire à chaque compte qui a un élément de coffre ; chaque propriétaire lit le sien dans le coffre. Ses sessions et ses liens de réinitialisation prennent fin.
mpr-row-targets = Systèmes cibles
mpr-row-batch = Comptes par lot
mpr-row-concurrency = Changements de mot de passe simultanés par cible
mpr-row-rate = Limite de débit
mpr-row-retries = Nouvelles tentatives avant la décision d’un opérateur
mpr-row-refusals = Refus de la politique avant abandon
mpr-row-verify = Vérifier chaque nouveau mot de passe par une connexion
mpr-row-report = Garder un rapport
mpr-row-template = Modèle de coffre
mpr-row-owner-field = Champ de l’élément qui nomme le propriétaire
mpr-row-account-field = Champ de l’élément qui nomme le compte
mpr-row-username-field = Champ de l’élément qui contient l’identifiant
mpr-row-group-field = Champ de l’élément qui nomme la collection
mpr-yes = oui
mpr-no = non
mpr-none = aucune
mpr-per-second = { $rate } par seconde
mpr-plan = Planifier une exécution
mpr-request = Demande
mpr-user-classes = Seulement les propriétaires de ces classes d’utilisateurs (facultatif, séparées par des virgules)
mpr-accounts = Seulement ces comptes (facultatif, un nom par ligne, comme sur la cible)
mpr-dry-run = Essai à blanc : montrer seulement le plan
mpr-show-plan = Montrer le plan
mpr-nothing-yet = Rien ne change tant que vous n’avez pas confirmé sur la page suivante.
mpr-recent = Exécutions récentes
mpr-no-runs = Aucune exécution pour l’instant.
mpr-kind-onboard = intégration
mpr-kind-reset = réinitialisation
mpr-status-running = en cours
mpr-status-paused = en pause
mpr-status-cancelled = annulée
mpr-status-finished = terminée
mpr-run-link = Exécution { $kind }, { $status }
mpr-confirmed-by = Confirmée par { $by } le { $at }.
mpr-tag-done = { $count } faits
mpr-tag-failed = { $count } en échec
mpr-tag-remaining = { $count } restants
mpr-tag-total = { $count } comptes
mpr-confirm-title = Confirmer l’exécution { $kind }
mpr-plan-heading = Plan de l’exécution { $kind }
mpr-planned = comptes reçoivent un nouveau mot de passe ; { $skipped } ignorés.
mpr-only-classes = Seulement les propriétaires de : { $classes }.
mpr-only-accounts = Seulement { $count } comptes nommés.
mpr-per-target = Par système cible
mpr-target-planned = { $count } prévus.
mpr-skipped-list = Ignorés :
mpr-skip-in-vault = déjà dans le coffre
mpr-skip-no-owner = pas de propriétaire : la découverte n’a pas pu associer le compte à un profil
mpr-skip-not-in-vault = pas dans le coffre : intégrez-le d’abord
mpr-skip-item-no-owner = son élément de coffre n’a pas de propriétaire pour lire le nouveau mot de passe
mpr-dry-run-done = Essai à blanc : rien n’a été enregistré et rien ne changera.
mpr-back = Retour
mpr-confirm-box = Je confirme : donner maintenant un nouveau mot de passe à ces { $count } comptes.
mpr-start = Lancer l’exécution
mpr-cancel-back = Annuler et revenir
mpr-run-title = Exécution { $kind }
mpr-run-heading = Exécution { $kind } de masse des mots de passe
mpr-run = Exécution
mpr-run-confirmed = , confirmée par { $by } le { $at }.
mpr-status = État :
mpr-stalled = Aucun processus ne travaille sur cette exécution (un serveur a redémarré). Reprenez-la pour continuer.
mpr-finished = Comptes terminés
mpr-of = { $done } sur { $total }
mpr-done = Faits
mpr-failed = En échec ou en attente d’un opérateur
mpr-skipped = Ignorés
mpr-remaining = Restants
mpr-rate = Comptes par seconde
mpr-controls = Commandes
mpr-pause = Mettre en pause
mpr-resume = Reprendre
mpr-cancel = Annuler l’exécution
mpr-controls-note = La pause et l’annulation prennent effet une fois terminés les comptes en cours : un mot de passe envoyé à une cible arrive toujours dans le coffre.
mpr-report = Rapport
mpr-report-page = Page du rapport
mpr-download-csv = Télécharger le CSV
mpr-choose-kind = Choisissez intégration ou réinitialisation.
mpr-no-class = Il n’y a pas de classe d’utilisateurs { $class }.
mpr-not-confirmed = Rien n’a été lancé : cochez la case qui confirme l’exécution. Revenez en arrière et réessayez.
mpr-no-key = Rien n’a été lancé : aucune clé maîtresse n’est configurée (keys.master_key_file), et le coffre et le journal de l’exécution sont scellés avec elle.

# The at_least module: leave a verification method for another one.
at-least-another = Utiliser une autre méthode

# Le mot de passe d’une personne sur ses comptes des systèmes cibles (PASSWORD_SYNC).
sync-not-changed = Votre mot de passe n’a pas été changé.
sync-partly = Votre nouveau mot de passe a été enregistré sur { $done } seulement ; les autres systèmes gardent l’ancien.
sync-refused = { $target } ne l’a pas accepté : { $reason }.
sync-unavailable = { $target } n’a pas pu être joint ou n’a pas répondu : rien n’y a été changé. Réessayez plus tard.
sync-choose-again = Choisissez de nouveau un mot de passe pour terminer.
target-refusal-too_short = il est trop court
target-refusal-too_long = il est trop long
target-refusal-in_history = il a déjà été utilisé ; choisissez-en un que vous n’avez pas utilisé récemment
target-refusal-quality = il ne respecte pas les règles de complexité
target-refusal-too_young = le mot de passe a été changé trop récemment ; réessayez plus tard
target-refusal-unchanged = c’est le mot de passe actuel
target-refusal-change_not_allowed = ce compte ne peut pas changer son propre mot de passe
target-refusal-policy = il ne respecte pas la politique de mots de passe (longueur, complexité ou historique)

# A reset sequence's module pages (the midPoint way) name whose password is reset.
reset-for = Réinitialisation du mot de passe de { $user }.
reset-questions-intro = Réinitialisation du mot de passe de { $user }. Les majuscules et les espaces en trop ne comptent pas.

# The plan changed between the confirm page and the start of a mass password run.
mpr-plan-changed = Rien n’a été lancé : les comptes concernés ont changé depuis que vous avez vu le plan ({ $count } comptes recevraient maintenant un nouveau mot de passe). Revenez en arrière et revoyez le plan.
