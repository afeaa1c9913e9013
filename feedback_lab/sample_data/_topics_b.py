"""Product knowledge of the fictional "Orbit" app, part B, and the topic table.

``calendar_sync`` is the feature launched at the start of the last two weeks: it
appears only from the drift start on (the planted "new topic").
"""

from __future__ import annotations

from feedback_lab.sample_data._topics_a import (
    ACCOUNT,
    BILLING,
    EXPORTS,
    INTEGRATIONS,
    NOTIFICATIONS,
)

PERMISSIONS = [
    {
        "q": [
            "How do I invite a client as a guest to {project}?",
            "What can guests see in our workspace?",
            "Do guests count as paid seats on the {plan} plan?",
        ],
        "a": [
            "Invite them from {project} > Share and choose the Guest role. Guests only see projects explicitly shared with them and cannot browse the workspace. On paid plans, up to 5 guests per paid seat are free.",
            "Use Share in {project} and pick Guest. A guest sees only the projects shared with them. Paid plans include 5 free guests for every paid seat.",
        ],
        "ref": "Invite guests from the project's Share dialog with the Guest role; they see only shared projects. Paid plans include 5 free guests per paid seat.",
        "hal": [
            ("Guests can see every project in the workspace and are always free without any limit.", "claimed guests see everything and are unlimited"),
            ("Guests automatically become admins after 30 days of activity.", "invented automatic promotion of guests to admin"),
        ],
        "old": [("Add them from Admin > Observers; observers are billed at half price.", "used the old 'Observers' role and pricing")],
        "gist": "inviting a client as a guest to {project}",
        "fix": "explained the Guest role and the free guest allowance",
    },
    {
        "q": [
            "What's the difference between the Admin and Member roles?",
            "How do I make {name} an admin?",
            "Can members delete projects?",
        ],
        "a": [
            "Admins manage members, integrations and security settings; Members create and edit work in the projects they belong to. Change a role in Settings > Members. Members can delete projects they own, while admins can delete any project.",
            "In Settings > Members, open {name}'s row and switch the role to Admin. Admins handle members, integrations and security; Members work inside their projects and can only delete projects they own.",
        ],
        "ref": "Roles are changed in Settings > Members. Admins manage members, integrations and security; Members work in their projects and may delete only projects they own.",
        "hal": [
            ("Members can change billing, remove the owner and delete any project in the workspace.", "said members can remove the owner and delete any project"),
            ("Only Orbit support can change roles; send us the name and we will make {name} an admin.", "claimed only support can change roles"),
        ],
        "old": [("Roles are managed in the Classic dashboard under People > Permissions > Edit level.", "pointed to the retired People > Permissions page")],
        "gist": "making {name} an admin",
        "fix": "explained roles and Settings > Members",
    },
    {
        "q": [
            "How do I remove someone who left the company?",
            "What happens to the tasks of a deactivated user?",
            "Can I transfer ownership of the workspace to {name}?",
        ],
        "a": [
            "Deactivate them in Settings > Members; their tasks stay with their history and can be reassigned in bulk. The current owner can transfer ownership in Settings > Workspace > Transfer ownership.",
            "Use Deactivate in Settings > Members. Their tasks and comments remain, and you can bulk-reassign open tasks. Ownership moves to {name} via Settings > Workspace > Transfer ownership, done by the current owner.",
        ],
        "ref": "Deactivate former members in Settings > Members; their tasks remain and can be bulk-reassigned. The owner transfers ownership in Settings > Workspace.",
        "hal": [
            ("Deactivating a user permanently deletes all of their tasks and comments within an hour.", "claimed deactivation deletes the user's tasks"),
            ("Ownership transfers automatically to the longest-serving admin every January.", "invented automatic yearly ownership transfer"),
        ],
        "old": [("Email the Orbit account team with a signed transfer form to change the owner.", "described the old paper transfer form")],
        "gist": "removing a member who left",
        "fix": "explained deactivation and bulk reassignment",
    },
]

MOBILE = [
    {
        "q": [
            "Does the mobile app work offline?",
            "I edited tasks on the plane, why didn't they sync?",
            "How much data does offline mode keep on my {device}?",
        ],
        "a": [
            "Yes. The iOS and Android apps keep the last 30 days of your projects available offline, and your edits sync when you reconnect. If two people changed the same field, the conflict appears in the task's Activity so you can pick the right version.",
            "Offline mode stores the last 30 days of your projects on the {device}. Changes upload once you're back online; conflicting edits are listed in the task Activity for you to resolve.",
        ],
        "ref": "The mobile apps keep the last 30 days of projects offline and sync edits on reconnect; conflicting edits appear in the task's Activity to resolve.",
        "hal": [
            ("Offline mode keeps your entire history forever and syncs with nearby colleagues over Bluetooth.", "claimed unlimited offline history and Bluetooth sync"),
            ("Conflicting offline edits are silently discarded, so always edit online.", "said conflicts are silently discarded"),
        ],
        "old": [("Offline mode is only available in the separate Orbit Lite app.", "referenced the discontinued Orbit Lite app")],
        "gist": "offline edits that did not sync",
        "fix": "explained the 30-day offline cache and conflict resolution",
    },
    {
        "q": [
            "The Orbit app keeps logging me out on my {device}.",
            "Why do I have to sign in again on mobile every few days?",
            "How do I stay logged in on the {device} app?",
        ],
        "a": [
            "Mobile sessions last 14 days of inactivity before you need to sign in again. Make sure the app is updated to the latest version, and if your workspace enforces SSO, your identity provider may end sessions sooner.",
            "You stay signed in for 14 days unless your company's SSO policy is stricter. Update the app on your {device}; older versions had a bug that ended sessions early.",
        ],
        "ref": "Mobile sessions end after 14 days of inactivity or sooner under an SSO policy; updating the app fixes an early-logout bug in older versions.",
        "hal": [
            ("The app logs everyone out every night at midnight for security, there is no way around it.", "invented a nightly forced logout"),
            ("Enable 'Stay signed in forever' under Profile > Security to never be logged out.", "invented a 'signed in forever' setting"),
        ],
        "old": [("Re-install Orbit Mobile Classic from the app store to fix the logout loop.", "recommended the old Classic mobile app")],
        "gist": "being logged out of the mobile app",
        "fix": "explained the 14-day session and the app update",
    },
    {
        "q": [
            "Can I add tasks from my {device} home screen?",
            "Is there a widget for today's tasks?",
            "How do I quickly capture a task on my {device}?",
        ],
        "a": [
            "Yes. Add the Orbit widget to your home screen: it shows today's tasks and has a quick-add button. You can also share text from any app to Orbit to create a task.",
            "Long-press the home screen of your {device}, add the Orbit widget for today's tasks, and use its plus button to capture a task. Sharing text to Orbit from other apps works too.",
        ],
        "ref": "The Orbit home-screen widget lists today's tasks and has quick add; sharing text from other apps to Orbit also creates a task.",
        "hal": [
            ("The widget can also call your teammates and read tasks aloud every hour.", "claimed the widget makes calls and reads tasks aloud"),
            ("Home-screen widgets are only available on the Enterprise plan.", "invented an Enterprise-only widget"),
        ],
        "old": [("Install the separate 'Orbit Quick Add' app to get a widget.", "referenced the retired Quick Add app")],
        "gist": "adding tasks from the home screen",
        "fix": "explained the Orbit widget",
    },
]

AUTOMATIONS = [
    {
        "q": [
            "How do I automatically assign tasks when the status changes to Review?",
            "Can I create a rule that moves overdue tasks to a 'Late' column in {project}?",
            "Why didn't my automation run in {project}?",
        ],
        "a": [
            "Open Project settings > Automations > New rule, choose the trigger 'Status changes to' Review and the action 'Assign to'. Rules run within a minute. If a rule didn't run, check its run history on the same page; Team plans include 250 automation runs a month and Business has no limit.",
            "In {project}, go to Project settings > Automations and add a rule with a trigger and an action, such as 'Due date passed' and 'Move to column Late'. The run history shows why a rule was skipped; the Team plan allows 250 runs per month, Business is unlimited.",
        ],
        "ref": "Rules are created in Project settings > Automations (trigger plus action) and run within a minute; run history explains skipped runs. Team includes 250 runs a month, Business is unlimited.",
        "hal": [
            ("Automations are unlimited on every plan, including Free, and can run your own Python scripts on Orbit servers.", "claimed unlimited automations and custom Python on every plan"),
            ("Rules only run once a day at 3 am, so the automation in {project} will fire tonight.", "invented a once-a-day schedule"),
        ],
        "old": [("Automations are set up in the Recipes tab of the project sidebar.", "used the old 'Recipes' name")],
        "gist": "an automation rule in {project}",
        "fix": "explained rules, run history and plan limits",
    },
    {
        "q": [
            "How do I make a task repeat every {weekday}?",
            "Can recurring tasks skip public holidays?",
            "What happens to a recurring task's subtasks?",
        ],
        "a": [
            "Open the task, click the due date and choose Repeat > Weekly on {weekday}. A new copy, including subtasks and checklist, is created when the current one is completed. Holidays are not skipped automatically, but you can move a single occurrence.",
            "Set Repeat on the task's due date (for example weekly on {weekday}). Each completion creates the next copy with its subtasks. There is no automatic holiday skipping; reschedule that one occurrence instead.",
        ],
        "ref": "Recurring tasks are set with Repeat on the due date; each completion creates the next copy including subtasks. Holidays are not skipped automatically.",
        "hal": [
            ("Recurring tasks automatically skip public holidays in every country and reschedule to the nearest {weekday}.", "claimed automatic holiday skipping"),
            ("Subtasks of recurring tasks are deleted after each occurrence to save space.", "said subtasks get deleted"),
        ],
        "old": [("Use the Repeat plugin from the Orbit marketplace to make tasks recur.", "pointed to the retired Repeat plugin")],
        "gist": "a task that should repeat every {weekday}",
        "fix": "explained Repeat on the due date",
    },
    {
        "q": [
            "Can I create a new project from a template?",
            "How do I save {project} as a template?",
            "Do templates keep automations and custom fields?",
        ],
        "a": [
            "Yes. Open {project}, choose Project menu > Save as template, and new projects can start from it under New project > From template. Templates keep sections, tasks, custom fields and automations, but not comments or attachments.",
            "Use Save as template in the project menu of {project}. Templates carry over sections, tasks, custom fields and automation rules; comments and files are left out.",
        ],
        "ref": "Save a project as a template from its project menu and start new projects from it; templates keep sections, tasks, custom fields and automations but not comments or attachments.",
        "hal": [
            ("Templates copy everything including comments, attachments and the original assignees' passwords.", "claimed templates copy comments, files and passwords"),
            ("You can only create five templates per lifetime of a workspace.", "invented a lifetime limit of five templates"),
        ],
        "old": [("Duplicate the project from the Classic dashboard and tick 'Use as blueprint'.", "referenced 'blueprints' in the Classic dashboard")],
        "gist": "saving {project} as a template",
        "fix": "explained Save as template",
    },
]

CALENDAR_SYNC = [
    {
        "q": [
            "How do I connect Orbit to {calendar}?",
            "Where do I turn on the new calendar sync?",
            "Does the calendar sync work on the {plan} plan?",
        ],
        "a": [
            "Calendar sync is available on Team plans and above. Go to Settings > Calendar, click Connect and authorise {calendar}; tasks with due dates then appear as all-day events in a separate 'Orbit' calendar.",
            "Open Settings > Calendar and connect {calendar} (Team plan or higher). Tasks with a due date show up as all-day events in a new calendar called 'Orbit'.",
        ],
        "ref": "Calendar sync (Team plan and above) is enabled in Settings > Calendar by connecting Google Calendar or Outlook; dated tasks appear as all-day events in an 'Orbit' calendar.",
        "hal": [
            ("Calendar sync also supports Apple Calendar and Yahoo, and it is free on every plan including Free.", "claimed Apple and Yahoo support and availability on Free"),
            ("Connecting {calendar} imports all your meetings as Orbit tasks and invites the attendees to your workspace.", "claimed meetings become tasks and attendees get invited"),
        ],
        "old": [("Subscribe to the iCal feed from Profile > Export calendar to see tasks in {calendar}.", "recommended the old one-way iCal feed")],
        "gist": "connecting the new calendar sync to {calendar}",
        "fix": "pointed them to Settings > Calendar",
    },
    {
        "q": [
            "If I move an event in {calendar}, does the task due date change?",
            "Why do my tasks show up twice in {calendar}?",
            "How often does the calendar sync run?",
        ],
        "a": [
            "Sync is two-way and runs every 5 minutes: moving the event changes the task's due date. Duplicates usually mean the old iCal feed is still subscribed; remove that subscription and keep the 'Orbit' calendar.",
            "Yes, it's two-way with a 5-minute interval, so dragging the event updates the due date. If tasks appear twice in {calendar}, unsubscribe from the legacy iCal feed.",
        ],
        "ref": "Calendar sync is two-way every 5 minutes, so moving an event changes the due date. Duplicates come from a still-subscribed old iCal feed.",
        "hal": [
            ("Sync is instant, every second, and moving an event also reassigns the task to whoever owns the calendar.", "claimed instant sync and reassignment on move"),
            ("Duplicates appear because Orbit creates one event per watcher, which is expected and cannot be changed.", "invented one event per watcher"),
        ],
        "old": [("The calendar only updates once a night, so changes in {calendar} are not copied back.", "described the old nightly one-way feed")],
        "gist": "tasks appearing twice in {calendar}",
        "fix": "explained the two-way 5-minute sync and the old iCal feed",
    },
    {
        "q": [
            "Will my team see my private calendar events in Orbit?",
            "Can I choose which projects sync to {calendar}?",
            "How do I disconnect the calendar sync?",
        ],
        "a": [
            "No. Sync only sends Orbit tasks to your calendar; your own events are never read except the ones Orbit created. Choose which projects sync in Settings > Calendar, and disconnect there at any time.",
            "Your private events stay private: Orbit only writes its own task events to {calendar}. Settings > Calendar lets you pick projects to sync or disconnect completely.",
        ],
        "ref": "Orbit only writes its own task events and never reads private events; Settings > Calendar selects the synced projects and disconnects.",
        "hal": [
            ("Yes, everyone in your workspace can see the titles of all your private events once sync is on.", "claimed private events become visible to the team"),
            ("Disconnecting is only possible by deleting your Orbit account.", "said disconnecting requires deleting the account"),
        ],
        "old": [("Remove the Orbit feed from your calendar's 'Other calendars' list; there is no setting in Orbit.", "described the old feed removal")],
        "gist": "privacy of calendar events",
        "fix": "explained that only Orbit task events are synced",
    },
]

#: topic id -> (intents, label phrases used in comments, translations for wrong-language output)
TOPICS: dict[str, dict] = {
    "billing": {"intents": BILLING, "phrases": ["billing", "an invoice", "the subscription", "a refund"], "es": "la facturación", "de": "die Abrechnung", "fr": "la facturation", "pt": "o faturamento", "menu": "Billing"},
    "account": {"intents": ACCOUNT, "phrases": ["login", "two-factor", "SSO", "the account"], "es": "el inicio de sesión", "de": "die Anmeldung", "fr": "la connexion", "pt": "o login", "menu": "Security"},
    "integrations": {"intents": INTEGRATIONS, "phrases": ["Slack", "the GitHub integration", "integrations", "Zapier"], "es": "las integraciones", "de": "die Integrationen", "fr": "les intégrations", "pt": "as integrações", "menu": "Integrations"},
    "notifications": {"intents": NOTIFICATIONS, "phrases": ["notifications", "email digests", "push alerts", "mentions"], "es": "las notificaciones", "de": "die Benachrichtigungen", "fr": "les notifications", "pt": "as notificações", "menu": "Notifications"},
    "exports": {"intents": EXPORTS, "phrases": ["exports", "reports", "dashboards", "CSV export"], "es": "las exportaciones", "de": "den Export", "fr": "les exports", "pt": "as exportações", "menu": "Reports"},
    "permissions": {"intents": PERMISSIONS, "phrases": ["permissions", "guest access", "roles", "member management"], "es": "los permisos", "de": "die Berechtigungen", "fr": "les permissions", "pt": "as permissões", "menu": "Members"},
    "mobile": {"intents": MOBILE, "phrases": ["the mobile app", "offline mode", "the iOS app", "the Android app"], "es": "la aplicación móvil", "de": "die mobile App", "fr": "l'application mobile", "pt": "o aplicativo móvel", "menu": "Mobile"},
    "automations": {"intents": AUTOMATIONS, "phrases": ["automations", "recurring tasks", "templates", "rules"], "es": "las automatizaciones", "de": "die Automatisierungen", "fr": "les automatisations", "pt": "as automações", "menu": "Automations"},
    "calendar_sync": {"intents": CALENDAR_SYNC, "phrases": ["calendar sync", "the new calendar integration", "Google Calendar sync", "Outlook sync"], "es": "la sincronización del calendario", "de": "die Kalendersynchronisierung", "fr": "la synchronisation du calendrier", "pt": "a sincronização do calendário", "menu": "Calendar"},
}
#: the planted new topic of the last two weeks
NEW_TOPIC = "calendar_sync"
#: traffic share of each established topic (weeks 1-6); the new topic takes NEW_TOPIC_SHARE later
TOPIC_WEIGHTS = {
    "billing": 0.17, "account": 0.14, "integrations": 0.13, "notifications": 0.11,
    "exports": 0.12, "permissions": 0.11, "mobile": 0.11, "automations": 0.11,
}
NEW_TOPIC_SHARE = 0.22
