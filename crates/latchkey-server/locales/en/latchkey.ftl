# Latchkey's page texts in English. Every id here is in ../fr/latchkey.ftl too, with the same
# { $arguments } (a unit test checks). One message per line, or a select over indented lines.
# Texts built in Rust (sign-in prompts, error messages) are found by their English wording
# (see src/i18n/catalogue.rs): change one here only together with the Rust code.

## base.html
base-footer = Latchkey · identity and password self-service
base-language = Language
nav-home = Home
nav-outbox = Outbox
nav-sign-out = Sign out
nav-sign-in = Sign in
back-to-start = Back to the start page

## home.html
home-title = Home
home-welcome = Welcome, { $name }
home-signed-in-as = You are signed in as
home-vault-link = Your vault
home-vault-text = : passwords kept for your accounts.
home-totp-link = Authenticator app
home-questions-link = Security questions
home-proof-text = : ways to prove it is you.
home-password-link = Change password
home-sessions-link = Where you are signed in
home-sessions-text = : sign out other browsers.
home-admin = Administration
home-privileges = Your privileges:
home-mpr-link = Mass password reset
home-anonymous-title = Sign in to manage your password
home-anonymous-text = Latchkey checks who you are and lets you set your password where your accounts live.
home-sign-in = Sign in

## error.html: titles (the HTTP reason) and messages
status-bad-request = Bad Request
status-forbidden = Forbidden
status-not-found = Not Found
status-service-unavailable = Service Unavailable
status-internal-server-error = Internal Server Error
status-error = Error
error-not-found = There is no page at this address.
error-unavailable = The service is temporarily unavailable. Please try again in a minute.
error-internal = Something went wrong on our side. Please try again; if it keeps happening, tell your help desk.
error-form-incomplete = The form was incomplete.
error-totp-unavailable = Authenticator apps cannot be set up on this server.

## prompt.html and the sign-in prompts built in src/login/
prompt-method = Sign-in method
prompt-forgot = Forgot your password?
login-generic-failure = The user ID or password is not correct.
login-expired = Your sign-in took too long or was already used. Please start again.
login-stale = This page was out of date, so nothing was sent. Please try again.
login-choose-title = Choose how to sign in
login-choose-intro = Pick one of the ways you can prove who you are.
login-continue = Continue
login-sign-in = Sign in
login-user-intro = Enter your user ID.
login-user-id = User ID
login-password-title = Enter your password
login-signing-in-as = Signing in as { $user }.
login-password = Password
login-hint-title = Your password hint
login-hint = Hint: { $hint }
login-details-title = Confirm your details
login-details-intro = Enter these details exactly as your organisation has them on file.
login-personal-title = Confirm your personal details
login-personal-intro = Enter these details as your employer has them on file.
login-totp-title = Enter your authentication code
login-totp-intro = Open your authenticator app and enter the code it shows for Latchkey. Lost your phone? Enter one of your recovery codes instead.
login-code = Code
login-verify = Verify
login-questions-title = Answer your security questions
login-questions-intro = Signing in as { $user }. Capital letters and extra spaces do not matter.
login-caller-title = Verify the caller
login-check-answer = Check the answer
login-external-title = Verify your identity
login-focus-title = Who are you?
login-focus-intro = Enter the details we know you by.
login-link-title = Sign in with an email link
login-link-intro = We will send a one-time link to { $to }.
login-link-send = Send the link
login-link-check = Check your email
login-link-again = Send the link again
login-pin-title = Sign in with a PIN
login-pin-intro = We will send a one-time PIN to { $to }.
login-pin-send = Send the PIN
login-pin-enter-title = Enter your PIN
login-pin-enter = Enter the PIN we sent to { $to }.
login-pin = PIN
login-pin-again = Send a new PIN
login-pin-choose-title = Choose where to send your PIN
login-pin-choose-intro = We will send a one-time PIN to the address you choose.
login-pin-to-email = Email to { $to }
login-pin-to-sms = Text message to { $to }

## account_sessions.html
sessions-title = Where you are signed in
sessions-ended =
    { $count ->
        [one] 1 session was signed out.
       *[other] { $count } sessions were signed out.
    }
sessions-intro = These browsers are signed in to your account now. If you do not recognise one, sign it out and change your password.
sessions-this = this session
sessions-started = Signed in
sessions-ends = Ends
sessions-current = This is the browser you are using now. Use "Sign out" on the home page to end it.
sessions-end-one = Sign out this session
sessions-end-others = Sign out everywhere else
sessions-alone = You are not signed in anywhere else.
sessions-devices = Remembered browsers
sessions-remembered = This browser is remembered for you until { $until }.
sessions-not-remembered = This browser is not remembered for you.
sessions-devices-text = Each browser you sign in on is remembered for a year by a signed cookie kept only in that browser, so that sign-in rules can recognise it. The server keeps no list of these browsers: they cannot be listed or forgotten one by one here. A browser stops being recognised when its cookie expires (a year after you last signed in on it) or when its cookies are cleared; signing it out and changing your password do not make it forgotten.
sessions-unknown-browser = Unknown browser

## change_password.html, change_password_done.html
password-title = Change password
password-heading = Change your password
password-signed-in-as = Signed in as
password-others-end = . Your other sessions are signed out when the password changes.
password-expired-notice = Your password has expired. Choose a new one before you continue.
password-change-required = Your password has expired: change it at /account/password before you continue.
password-not-changed = Your password was not changed: see the marked fields below.
password-current = Current password
password-new = New password
password-rules = Your new password must meet these rules:
password-strength = Strength
password-strength-of = { $value } of 4
password-estimate = (an estimate; the server checks again)
password-again = New password again
password-submit = Change password
password-mismatch = The two new passwords are not the same. Type the new one twice.
password-wrong-current = Your current password was not accepted. Check it and try again; after several wrong attempts your account is locked.
password-done-title = Password changed
password-done-heading = Your password was changed
password-done-use = Use your new password from now on.
password-done-one-ended = Your other session was signed out.
password-done-ended = Your { $count } other sessions were signed out.
password-done-links = Links and codes sent to you earlier no longer work.
password-done-notice = We sent a notice to your email address, if you have one.
rule-common = Not a common or leaked password
rule-contains-user-data = Does not contain your user name, your name or your email address

## vault.html
vault-title = Your vault
vault-password = Password
vault-copy = Copy
vault-copied = Copied.
vault-copy-keys = Press Ctrl+C (or Cmd+C) to copy.
vault-select = Select the text to copy it. Nobody else can see this password; this view was recorded.
vault-no-secret = This item has no password yet.
vault-unavailable = The vault is not available on this server.
vault-empty = You have no items in the vault.
vault-user-name = User name
vault-account = Account
vault-changed = Password changed
vault-never = never
vault-show = Show the password

## account_totp.html
totp-title = Authenticator app
totp-done = Your authenticator app is set up. From now on, signing in may ask for a code from it.
totp-codes = Recovery codes
totp-codes-text = If you lose your phone, each of these codes works once instead of a code from the app. Write them down or print them now: they are shown only this once.
totp-continue = Continue
totp-replace = An authenticator app is already set up. Setting up a new one below replaces it: the old app and its recovery codes stop working once you confirm.
totp-scan = 1. Scan this code with your app
totp-qr = QR code for your authenticator app
totp-cannot-scan = Cannot scan? Type this key into the app instead (time-based, 6 digits):
totp-type = 2. Type the code the app shows
totp-code = Code from the app
totp-confirm = Confirm
totp-not-now = Not now
totp-remove = Remove the authenticator app
totp-expired = This page was open too long. Scan the new code below and try again.
totp-wrong = That code is not right. Type the code your app shows now (6 digits).

## account_questions.html
questions-title = Security questions
questions-enrolled = Your security answers are set up. Saving new answers here replaces all of them.
questions-intro = Answers to these questions let you prove who you are if you forget your password. Only a one-way hash of each answer is kept; case and spacing do not matter.
questions-problems = Some answers need changing (marked below); nothing was saved.
questions-own = Your question
questions-answer = Your answer
questions-save = Save my answers
questions-not-now = Not now
questions-answer-n = Answer { $count } of these.
login-link-accepted = Link accepted
login-link-confirmed = Your email address is confirmed. Continue to finish signing in.
login-link-refused = This link cannot be used here. Open it in the same browser where you asked for it, before it expires; or start signing in again.

## password rules (src/i18n/rules.rs): rule-<code> is the line next to the field, refusal-<code>
## what a refused password is told; the English must read as latchkey-core's Rule texts
rule-kinds = lower-case letters, upper-case letters, digits, symbols, letters without case
rule-too-short = At least { $min ->
        [1] 1 character
       *[other] { $min } characters
    }
rule-too-long = At most { $max ->
        [1] 1 character
       *[other] { $max } characters
    }
rule-needs-lower = At least { $min ->
        [1] 1 lower-case letter
       *[other] { $min } lower-case letters
    }
rule-needs-upper = At least { $min ->
        [1] 1 upper-case letter
       *[other] { $min } upper-case letters
    }
rule-needs-digits = At least { $min ->
        [1] 1 digit
       *[other] { $min } digits
    }
rule-needs-symbols = At least { $min ->
        [1] 1 symbol
       *[other] { $min } symbols
    }
rule-needs-classes = Characters of at least { $min } of these kinds: { $kinds }
rule-too-weak = Hard enough to guess (strength { $min } of 4 or more)
rule-reused =
    { $count ->
        [1] Not your previous password
       *[other] Not one of your last { $count } passwords
    }
refusal-too-short = Use at least { $min ->
        [1] 1 character
       *[other] { $min } characters
    }.
refusal-too-long = Use at most { $max ->
        [1] 1 character
       *[other] { $max } characters
    }.
refusal-needs-lower = Use at least { $min ->
        [1] 1 lower-case letter
       *[other] { $min } lower-case letters
    }.
refusal-needs-upper = Use at least { $min ->
        [1] 1 upper-case letter
       *[other] { $min } upper-case letters
    }.
refusal-needs-digits = Use at least { $min ->
        [1] 1 digit
       *[other] { $min } digits
    }.
refusal-needs-symbols = Use at least { $min ->
        [1] 1 symbol
       *[other] { $min } symbols
    } (anything that is not a letter or a digit, such as ! or a space).
refusal-needs-classes = Use characters of at least { $min } of these kinds: { $kinds }.
refusal-common = This password is on a list of common and leaked passwords that attackers try first. Choose another one.
refusal-contains-user-data = Do not use your user name, your name or your email address in your password.
refusal-too-weak = This password is too easy to guess (strength below { $min } of 4). Make it longer, for example with a few unrelated words.
refusal-reused =
    { $count ->
        [1] Do not use your previous password again.
       *[other] Do not use any of your last { $count } passwords again.
    }
password-rule-met = (met)

## forgot_prompt.html and the texts of src/login/forgot/
forgot-title = Reset your password
forgot-user-intro = Enter your user ID. If it belongs to an account, we send a one-time code to its email address.
forgot-code-sent = If the user ID you gave belongs to an account with an email address, we sent a one-time code there. Enter it to choose a new password.
forgot-link-sent = If the user ID you gave belongs to an account with an email address, we sent a link there. Open it in this browser to choose a new password.
forgot-search-intro = Fill in the form. If it matches an account, we send a one-time code to its email address.
forgot-failed = We could not verify you with that code. Please start again.
forgot-expired = Your password reset took too long or was already used. Please start again.
forgot-stale = This page was out of date, so nothing was sent. Please start again.
forgot-resend-code = Send a new code
forgot-choose = Choose where we send a one-time code. If the user ID you gave belongs to an account, the code goes there.
forgot-send-code = Send the code
forgot-back = Back to sign-in
forgot-refused = This password reset cannot be used here. Start again from "Forgot your password?".
forgot-not-locked = Your account is not locked, so there is nothing to unlock. Go back and choose a new password.
forgot-link-confirmed = Your email address is confirmed. Continue to choose a new password.
error-form-unreadable = The form could not be read. Reload the page and try again.
error-sign-in-unreadable = The sign-in form could not be read. Reload the page and try again.
error-cross-site = This form was sent from another site and was refused.
error-form-expired = This form has expired. Go back, reload the page and try again.

## forgot_new_password.html, forgot_done.html
forgot-new-title = Choose a new password
forgot-new-proved = You proved who you are for
forgot-new-sessions = . Your sessions everywhere are signed out when the password changes.
forgot-locked-heading = Your account is locked
forgot-locked-text = It was locked after too many failed attempts. If you still know your password, you can unlock the account and keep it.
forgot-unlock = Unlock my account and keep my password
forgot-or-new = Or choose a new password below; that unlocks the account too.
forgot-set = Set the new password
forgot-unlocked-title = Account unlocked
forgot-reset-title = Password reset
forgot-unlocked-heading = Your account is unlocked
forgot-unlocked-text = Sign in with your current password; it was not changed.
forgot-everything-ended = Every session of your account was signed out, and links and codes sent to you earlier no longer work.
forgot-reset-heading = Your password was reset
forgot-sign-in-new = Sign in with your new password.
forgot-was-locked = Your account was locked after too many failed attempts; it is unlocked now.
forgot-send-title = Get a new password
forgot-send-text = We make a new password for you and send it to the email address of your account. It is never shown on this page. Your sessions everywhere are signed out when the password changes.
forgot-send-expires = When you sign in with it, you will be asked to choose a password of your own before anything else.
forgot-send-button = Send me a new password
forgot-sent-title = New password sent
forgot-sent-heading = A new password was sent
forgot-sent-text = We sent a new password to the email address of your account. Sign in with it.
forgot-sent-expired = When you sign in, you will be asked to choose a password of your own.
forgot-no-address = Your account has no email address to send a new password to. Contact your help desk.

## outbox.html
outbox-title = Outbox
outbox-intro = Demo mode: mail that would have been sent, newest first.
outbox-none = No messages yet.
outbox-to = To:
outbox-subject = Subject:

## mpr.html, mpr_confirm.html, mpr_run.html (src/pages/mpr/)
mpr-title = Mass password reset
mpr-intro = Give every account on the chosen target systems a new random password. Each new password goes into its owner's vault item; nobody running a reset ever sees one.
mpr-no-master-key = No master key is configured
mpr-plan-only = : runs can be planned but not started.
mpr-requests = Predefined requests
mpr-invalid = The settings do not make a valid request: { $error }
mpr-onboard-title = Onboard
mpr-onboard-about = Creates a vault item and sets a new random password for every account that is not in the vault yet. Accounts already in the vault are skipped.
mpr-reset-title = Reset
mpr-reset-about = Sets a new random password on every account that has a vault item; each owner reads theirs in the vault. Their sessions and reset links end.
mpr-row-targets = Target systems
mpr-row-batch = Accounts per batch
mpr-row-concurrency = Password changes in flight per target
mpr-row-rate = Rate limit
mpr-row-retries = Retries before an operator decides
mpr-row-refusals = Policy refusals before giving up
mpr-row-verify = Verify each new password by signing in
mpr-row-report = Keep a report
mpr-row-template = Vault template
mpr-row-owner-field = Item field naming the owner
mpr-row-account-field = Item field naming the account
mpr-row-username-field = Item field with the user name
mpr-row-group-field = Item field naming the collection
mpr-yes = yes
mpr-no = no
mpr-none = none
mpr-per-second = { $rate } per second
mpr-plan = Plan a run
mpr-request = Request
mpr-user-classes = Only owners in these user classes (optional, separated by commas)
mpr-accounts = Only these accounts (optional, one name a line, as on the target)
mpr-dry-run = Dry run: show the plan only
mpr-show-plan = Show the plan
mpr-nothing-yet = Nothing changes until you confirm on the next page.
mpr-recent = Recent runs
mpr-no-runs = No runs yet.
mpr-kind-onboard = onboard
mpr-kind-reset = reset
mpr-status-running = running
mpr-status-paused = paused
mpr-status-cancelled = cancelled
mpr-status-finished = finished
mpr-run-link = { $kind } run, { $status }
mpr-confirmed-by = Confirmed by { $by } at { $at }.
mpr-tag-done = { $count } done
mpr-tag-failed = { $count } failed
mpr-tag-remaining = { $count } remaining
mpr-tag-total = { $count } accounts
mpr-confirm-title = Confirm the { $kind } run
mpr-plan-heading = Plan of the { $kind } run
mpr-planned = accounts get a new password; { $skipped } are skipped.
mpr-only-classes = Only owners in: { $classes }.
mpr-only-accounts = Only { $count } named accounts.
mpr-per-target = Per target system
mpr-target-planned = { $count } planned.
mpr-skipped-list = Skipped:
mpr-skip-in-vault = already in the vault
mpr-skip-no-owner = no owner: discovery could not associate the account with a profile
mpr-skip-not-in-vault = not in the vault: onboard it first
mpr-skip-item-no-owner = its vault item has no owner to read the new password
mpr-dry-run-done = Dry run: nothing was stored and nothing will change.
mpr-back = Back
mpr-confirm-box = I confirm: give these { $count } accounts a new password now.
mpr-start = Start the run
mpr-cancel-back = Cancel and go back
mpr-run-title = { $kind } run
mpr-run-heading = Mass password { $kind } run
mpr-run = Run
mpr-run-confirmed = , confirmed by { $by } at { $at }.
mpr-status = Status:
mpr-stalled = No process is working on this run (a server restarted). Resume it to go on.
mpr-finished = Accounts finished
mpr-of = { $done } of { $total }
mpr-done = Done
mpr-failed = Failed or waiting for an operator
mpr-skipped = Skipped
mpr-remaining = Remaining
mpr-rate = Accounts per second
mpr-controls = Controls
mpr-pause = Pause
mpr-resume = Resume
mpr-cancel = Cancel the run
mpr-controls-note = Pausing and cancelling take effect once the accounts in progress are done: a password sent to a target always reaches the vault.
mpr-report = Report
mpr-report-page = Report page
mpr-download-csv = Download CSV
mpr-choose-kind = Choose onboard or reset.
mpr-no-class = There is no user class { $class }.
mpr-not-confirmed = Nothing was started: tick the box that confirms the run. Go back and try again.
mpr-no-key = Nothing was started: no master key is configured (keys.master_key_file), and the vault and the run's journal are sealed with it.

# The at_least module: leave a verification method for another one.
at-least-another = Use another method

# A person's own password on their target-system accounts (PASSWORD_SYNC).
sync-not-changed = Your password was not changed.
sync-partly = Your new password was set on { $done } only; the other systems keep your old one.
sync-refused = { $target } did not accept it: { $reason }.
sync-unavailable = { $target } could not be reached or did not answer, so nothing was changed there. Try again later.
sync-choose-again = Choose a password again to finish.
target-refusal-too_short = it is too short
target-refusal-too_long = it is too long
target-refusal-in_history = it was used before; choose one you have not used recently
target-refusal-quality = it does not meet the complexity rules
target-refusal-too_young = the password was changed too recently; try again later
target-refusal-unchanged = it is the current password
target-refusal-change_not_allowed = this account may not change its own password
target-refusal-policy = it does not meet the password policy (length, complexity or history)

# A reset sequence's module pages (the midPoint way) name whose password is reset.
reset-for = Resetting the password of { $user }.
reset-questions-intro = Resetting the password of { $user }. Capital letters and extra spaces do not matter.

# The plan changed between the confirm page and the start of a mass password run.
mpr-plan-changed = Nothing was started: the accounts in scope changed since you reviewed the plan ({ $count } accounts get a new password now). Go back and review the plan again.
