"""Product knowledge of the fictional "Orbit" work-management app, part A.

Each topic has a few *intents*; an intent holds question paraphrases (``q``), correct
answer variants (``a``), the golden reference answer (``ref``), hallucinated answers
with what is wrong in them (``hal``: ``(text, detail)``), outdated answers (``old``),
and the gist/fix phrases used by conversation summaries. ``{slot}`` fields are filled
from :mod:`._phrases` slot values, the same values in question and answer.
"""

from __future__ import annotations

BILLING = [
    {
        "q": [
            "How do I upgrade our workspace to the {plan_to} plan?",
            "What's the way to switch our subscription to {plan_to}?",
            "Can I move my team of {n_users} people to {plan_to} in the middle of the billing cycle?",
        ],
        "a": [
            "Workspace owners can change plans under Settings > Billing > Plan. Pick {plan_to}, confirm the seat count, and the change applies immediately; you pay a prorated amount for the rest of the current cycle.",
            "Go to Settings > Billing > Plan and choose {plan_to}. Only the workspace owner can do this. The upgrade takes effect right away and the difference is prorated on your next invoice.",
        ],
        "ref": "Only the workspace owner can change the plan, in Settings > Billing > Plan. Upgrading to {plan_to} is immediate and the price difference is prorated for the current billing cycle.",
        "hal": [
            ("To upgrade, email billing@orbit.example and we will switch you to {plan_to} within 5 business days; upgrades are free for the first 90 days.", "claimed upgrades are done by email within 5 business days and are free for 90 days"),
            ("Any member can upgrade to {plan_to} from the Billing page, and Orbit pays out the unused part of your old plan in cash.", "said any member can change the plan and that unused time is paid out in cash"),
        ],
        "old": [("Open the Classic dashboard, go to Account > Subscription > Change tier and select {plan_to}. Plan changes apply at the start of the next month.", "pointed to the retired Classic dashboard and the old next-month rule")],
        "gist": "upgrading the workspace to {plan_to}",
        "fix": "explained that the owner switches plans in Settings > Billing > Plan with a prorated charge",
    },
    {
        "q": [
            "Where can I download the invoice for {month}?",
            "I need a copy of invoice {invoice_no} for our accounting, where do I find it?",
            "How do I get past invoices with our VAT number on them?",
        ],
        "a": [
            "You can download every invoice as a PDF under Settings > Billing > Invoices. To show your VAT number, add it under Billing details first; invoices issued after that include it.",
            "All invoices, including {month}'s, are listed in Settings > Billing > Invoices with a PDF link. A VAT ID added in Billing details appears on future invoices.",
        ],
        "ref": "Invoices are available as PDF downloads in Settings > Billing > Invoices. A VAT ID added in Billing details appears on invoices issued after it was added.",
        "hal": [
            ("Invoices are emailed only once and cannot be downloaded again, so please ask your bank for a copy of invoice {invoice_no}.", "said invoices cannot be downloaded again and to ask the bank"),
            ("Orbit regenerates all past invoices, including {invoice_no}, with your VAT number automatically as soon as you add it.", "claimed past invoices get regenerated with the VAT number"),
        ],
        "old": [("Invoices are under Account > Payments > Receipts in the Classic dashboard, and you can also request them by fax.", "referenced the removed Account > Payments > Receipts menu and fax requests")],
        "gist": "getting a copy of an invoice",
        "fix": "pointed them to Settings > Billing > Invoices",
    },
    {
        "q": [
            "We were charged for {n_users} seats by mistake, can we get a refund?",
            "What is your refund policy if we cancel the annual {plan_to} plan?",
            "I cancelled yesterday but was still billed {amount} dollars, is that refundable?",
        ],
        "a": [
            "Annual plans can be refunded in full within 14 days of purchase; after that, cancelling stops the renewal and you keep access until the end of the term. For a seat-count mistake, contact support from Settings > Billing and we credit the difference.",
            "Refunds are available within 14 days of an annual purchase. Seat overcharges are credited to your account once support confirms them, so please open a request from Settings > Billing.",
        ],
        "ref": "Annual plans are refundable in full within 14 days of purchase; later cancellations stop renewal but keep access until the term ends. Seat overcharges are credited after support confirms them.",
        "hal": [
            ("You can get a full refund any time within 90 days, no questions asked, and we add a bonus month for the trouble.", "invented a 90-day no-questions refund window plus a bonus month"),
            ("Orbit refunds the {amount} dollars automatically within 24 hours whenever a charge follows a cancellation.", "claimed refunds happen automatically within 24 hours"),
        ],
        "old": [("Monthly plans have a 30-day money-back guarantee under our 2023 terms; request it from the Legacy Billing page.", "quoted the 2023 money-back guarantee and the Legacy Billing page")],
        "gist": "a refund for an unexpected charge",
        "fix": "explained the 14-day refund window for annual plans and the credit for seat overcharges",
    },
]

ACCOUNT = [
    {
        "q": [
            "I didn't get the password reset email, what should I do?",
            "My password reset link says it expired. How long is it valid?",
            "How can I reset the password for {email}?",
        ],
        "a": [
            "Reset links are valid for 30 minutes. Request a new one from the sign-in page, check your spam folder, and make sure the address matches your Orbit account. If you sign in with SSO, reset the password with your identity provider instead.",
            "Request a fresh link from the sign-in page; each link expires after 30 minutes. If the email doesn't arrive, check spam and confirm you're using the address of your Orbit account. SSO users reset their password at their identity provider.",
        ],
        "ref": "Password reset links expire after 30 minutes; request a new one from the sign-in page and check spam. Accounts that use SSO reset the password at their identity provider.",
        "hal": [
            ("Reset links stay valid for 7 days, and if yours expired our support team can read your current password to you over the phone.", "said reset links last 7 days and that support can read out passwords"),
            ("Just sign in with your email and the temporary password orbit123, then choose a new one.", "invented a universal temporary password"),
        ],
        "old": [("Answer the security question you set at sign-up to reset your password without email.", "mentioned security questions, which were removed")],
        "gist": "a password reset email that never arrived",
        "fix": "explained that reset links expire after 30 minutes and how to request a new one",
    },
    {
        "q": [
            "I lost my phone, how do I log in with two-factor enabled?",
            "How do I turn on 2FA for everyone in the workspace?",
            "Where do I find my 2FA backup codes?",
        ],
        "a": [
            "Use one of the 10 backup codes you saved when you enabled two-factor authentication. If none are left, a workspace admin can reset your 2FA from Settings > Members. Admins can require 2FA for everyone under Settings > Security.",
            "Sign in with a backup code (you received 10 when setting up 2FA). An admin can reset two-factor for you in Settings > Members, and can make 2FA mandatory for the workspace in Settings > Security.",
        ],
        "ref": "Sign in with one of the 10 backup codes; otherwise an admin resets the member's 2FA in Settings > Members. Admins enforce 2FA for everyone in Settings > Security.",
        "hal": [
            ("Orbit can send a one-time bypass code to any email address you choose, so just enter a new address on the login page.", "invented a bypass code sent to any email address"),
            ("You can disable two-factor by replying STOP to the last Orbit SMS.", "claimed 2FA can be turned off by texting STOP"),
        ],
        "old": [("Two-factor codes are sent to your inbox; check your email for the six-digit code.", "described email-based 2FA codes, which were retired")],
        "gist": "signing in after losing the two-factor device",
        "fix": "explained the backup codes and the admin 2FA reset",
    },
    {
        "q": [
            "Does Orbit support SAML single sign-on with {idp}?",
            "How do we set up SSO for our {n_users} employees?",
            "Is SSO available on the {plan} plan?",
        ],
        "a": [
            "SAML SSO is available on the Business and Enterprise plans. An admin configures it in Settings > Security > SSO with your identity provider; Okta, Azure AD and Google Workspace have guided setups. Once verified you can enforce SSO for all members.",
            "Yes, on Business and Enterprise. Go to Settings > Security > SSO, follow the guided setup for {idp}, verify your domain, and then enforce SSO for the workspace.",
        ],
        "ref": "SAML SSO is included in Business and Enterprise. Admins set it up in Settings > Security > SSO (guided for Okta, Azure AD and Google Workspace) and can then enforce it.",
        "hal": [
            ("SSO is included in every plan, including Free, and works automatically without any configuration.", "claimed SSO is on every plan and needs no setup"),
            ("Orbit supports single sign-on through Facebook and TikTok accounts as well as {idp}.", "invented Facebook and TikTok SSO"),
        ],
        "old": [("SSO is an Enterprise-only add-on at $5 per user per month that you order through your account manager.", "quoted the old paid SSO add-on")],
        "gist": "setting up single sign-on with {idp}",
        "fix": "explained that SSO is on Business and Enterprise and configured in Settings > Security > SSO",
    },
]

INTEGRATIONS = [
    {
        "q": [
            "How do I get task updates from {project} posted in our Slack channel?",
            "Slack notifications stopped working for {project}, how do I fix it?",
            "Can Orbit post to a private Slack channel?",
        ],
        "a": [
            "Connect Slack in Settings > Integrations > Slack, then open {project}, choose Project settings > Notifications and pick the channel. For a private channel, invite the Orbit app first with /invite @Orbit. If updates stopped, reconnect the integration; the token expires when the person who installed it leaves Slack.",
            "In {project}, open Project settings > Notifications and select a Slack channel (connect Slack under Settings > Integrations first). Private channels need /invite @Orbit. Updates stop when the installer's Slack account is removed, so reconnect it.",
        ],
        "ref": "Connect Slack under Settings > Integrations, then choose the channel in the project's Notifications settings; private channels need /invite @Orbit. Reconnect if the installing user left Slack.",
        "hal": [
            ("Once connected, Orbit automatically turns every Slack message in the channel into a task in {project}.", "claimed every Slack message becomes a task"),
            ("Posting to Slack needs the Enterprise plan and a paid Slack Enterprise Grid account.", "invented an Enterprise Grid requirement for Slack posting"),
        ],
        "old": [("Type /orbitbot connect {project} in Slack to link the channel.", "used the retired /orbitbot command")],
        "gist": "Slack notifications for {project}",
        "fix": "walked them through reconnecting Slack and choosing the channel",
    },
    {
        "q": [
            "How do I link GitHub pull requests to Orbit tasks?",
            "Can a merged PR close the Orbit task automatically?",
            "Our GitHub integration shows the wrong repository, how do I change it?",
        ],
        "a": [
            "Install the Orbit GitHub app from Settings > Integrations > GitHub and choose the repositories. Put the task ID (for example ORB-{task_no}) in the branch name or PR title and the PR shows up on the task; turn on 'Close task on merge' to complete it automatically.",
            "Add the task ID such as ORB-{task_no} to the branch name or pull request title and Orbit links it. Repository access is changed in Settings > Integrations > GitHub, where you can also enable 'Close task on merge'.",
        ],
        "ref": "Install the Orbit GitHub app (Settings > Integrations > GitHub) for the right repositories; a task ID like ORB-{task_no} in the branch or PR title links the PR, and 'Close task on merge' completes the task.",
        "hal": [
            ("Orbit reads your whole codebase and writes the pull request for ORB-{task_no} for you once GitHub is connected.", "claimed Orbit writes pull requests itself"),
            ("Linking only works when the task ID is part of the commit author's name.", "invented a rule about task IDs in author names"),
        ],
        "old": [("Add a webhook pointing to https://hooks.orbit.example/github-v1 in your repository settings.", "pointed to the discontinued v1 GitHub webhook")],
        "gist": "linking GitHub pull requests to tasks",
        "fix": "explained task IDs in branch names and the 'Close task on merge' option",
    },
    {
        "q": [
            "Can I attach Google Drive files to tasks?",
            "Is there a Zapier integration to create tasks from form submissions?",
            "How do I connect {integration} to my workspace?",
        ],
        "a": [
            "Yes. Connect Google Drive or Zapier in Settings > Integrations. Drive files can then be attached from a task's attachment menu and keep their Drive permissions; in Zapier, use the Orbit app's 'Create task' action to turn form submissions into tasks.",
            "Go to Settings > Integrations and connect {integration}. Drive files attach from the task's paperclip menu without being copied, and Zapier's 'Create task' action creates tasks from any trigger such as a form.",
        ],
        "ref": "Integrations are connected in Settings > Integrations. Drive files attach from the task's attachment menu and keep Drive permissions; Zapier's 'Create task' action creates tasks from triggers like form submissions.",
        "hal": [
            ("Drive attachments are copied into Orbit and count against the 2 TB of free storage every workspace gets.", "invented copying into a 2 TB free storage allowance"),
            ("The Zapier app can also bulk-delete whole projects without confirmation, which is handy for cleanup.", "claimed Zapier can bulk-delete projects"),
        ],
        "old": [("Install the Orbit Connector Chrome extension to attach Drive files.", "recommended the retired Chrome extension")],
        "gist": "connecting {integration}",
        "fix": "showed where to connect it under Settings > Integrations",
    },
]

NOTIFICATIONS = [
    {
        "q": [
            "How do I switch the email digest to {digest}?",
            "I get too many emails from Orbit, can I get one summary per day?",
            "Can I stop the digest but keep the mention emails?",
        ],
        "a": [
            "Open Profile > Notifications and under Email digest choose daily, weekly or off. Mentions and assignments are sent separately and can be toggled on their own.",
            "In Profile > Notifications set Email digest to {digest} (or off). Emails for @mentions and assignments have their own switches, so you can keep them.",
        ],
        "ref": "Email digests are set to daily, weekly or off in Profile > Notifications; mention and assignment emails have separate switches.",
        "hal": [
            ("Digest settings can only be changed by Orbit support, so send us a ticket and we'll switch you to {digest}.", "said only support can change the digest"),
            ("Turning off the digest also deletes your notification history for the last year.", "claimed disabling digests deletes history"),
        ],
        "old": [("Go to Settings > Alerts (classic) and untick 'Daily roundup'.", "referenced the old Alerts page and 'Daily roundup'")],
        "gist": "changing the email digest to {digest}",
        "fix": "pointed them to Profile > Notifications",
    },
    {
        "q": [
            "I'm not receiving push notifications on my {device}.",
            "How do I set quiet hours for Orbit notifications?",
            "Why do I get Orbit notifications at night?",
        ],
        "a": [
            "Check that notifications are allowed for Orbit in your {device}'s system settings, then open Profile > Notifications > Push in the app. Quiet hours are set there too; during quiet hours only urgent @mentions come through, if you allow them.",
            "First allow Orbit notifications in the {device} system settings. In the app, Profile > Notifications > Push controls push alerts and quiet hours, which silence everything except urgent mentions you opt into.",
        ],
        "ref": "Allow Orbit notifications in the phone's system settings, then use Profile > Notifications > Push in the app, which also sets quiet hours (only opted-in urgent mentions come through).",
        "hal": [
            ("Orbit push notifications only work over Wi-Fi, never on mobile data.", "claimed push only works on Wi-Fi"),
            ("Quiet hours are configured per workspace by Orbit staff on request.", "said Orbit staff set quiet hours"),
        ],
        "old": [("Enable 'Background refresh' in the hidden developer menu of the Orbit v3 app.", "referenced a hidden menu of the old v3 app")],
        "gist": "missing push notifications on a {device}",
        "fix": "explained the system permission and the Push and quiet hours settings",
    },
    {
        "q": [
            "Who gets notified when I @mention a team?",
            "Can I mute a noisy project but still get mentions?",
            "How do I stop notifications for tasks I'm only following?",
        ],
        "a": [
            "An @team mention notifies every member of that team. You can mute a project from its menu (Mute project); muted projects still notify you about direct @mentions and assignments. To stop following a task, click Unfollow in the task sidebar.",
            "Mentioning @team alerts all of its members. Use Mute project in the project menu to silence it except for direct mentions and assignments, and Unfollow in a task's sidebar for tasks you only watch.",
        ],
        "ref": "@team mentions notify all team members. Muting a project silences it except direct mentions and assignments; Unfollow in the task sidebar stops updates for followed tasks.",
        "hal": [
            ("An @team mention notifies the whole workspace, including guests and former members.", "claimed team mentions reach the whole workspace"),
            ("Muting a project also removes you from all of its tasks.", "said muting unassigns you"),
        ],
        "old": [("Right-click the project in the left rail and choose 'Silence' from the 2024 layout menu.", "used the removed 'Silence' menu")],
        "gist": "too many notifications from followed tasks",
        "fix": "explained muting projects and unfollowing tasks",
    },
]

EXPORTS = [
    {
        "q": [
            "How can I export all tasks in {project} to {export_fmt}?",
            "Is there a limit to how many rows I can export?",
            "The export button is greyed out for me, why?",
        ],
        "a": [
            "Open Reports > Export, choose {project} or the whole workspace, and pick CSV or XLSX. Exports are limited to 50,000 rows per file, and workspace-wide exports are only available to admins, which is why the button can be greyed out for members.",
            "Use Reports > Export and select {export_fmt}. Each file holds up to 50,000 rows. Members can export their projects; exporting the whole workspace needs the Admin role, otherwise the button is disabled.",
        ],
        "ref": "Reports > Export produces CSV or XLSX files of up to 50,000 rows. Members export their projects; workspace-wide exports require an admin.",
        "hal": [
            ("Exports are unlimited and also include every task deleted in the last five years.", "claimed exports are unlimited and include deleted tasks"),
            ("The export button is greyed out because exports are only allowed on weekends.", "invented a weekend-only export rule"),
        ],
        "old": [("Use Projects > More > Export to Excel 97 from the project list.", "referenced the old Projects > More menu and Excel 97 format")],
        "gist": "exporting tasks from {project} to {export_fmt}",
        "fix": "explained Reports > Export and the 50,000-row limit",
    },
    {
        "q": [
            "How do I build a dashboard of overdue tasks per assignee?",
            "Can I share a report with people outside the workspace?",
            "Why does my dashboard show different numbers than the task list?",
        ],
        "a": [
            "Create a dashboard under Reports > Dashboards > New and add an 'Overdue by assignee' chart. Dashboards can be shared with a view-only link if an admin allows public links. Numbers can differ from the task list because dashboards refresh every 15 minutes.",
            "Reports > Dashboards > New lets you add an 'Overdue by assignee' chart. For outside viewers, share a view-only link (admins must allow public links). Dashboards refresh every 15 minutes, so they can lag behind the live task list.",
        ],
        "ref": "Build it in Reports > Dashboards with the 'Overdue by assignee' chart; share view-only links when admins allow public links. Dashboards refresh every 15 minutes.",
        "hal": [
            ("Dashboards refresh every second and anyone with the link can edit them.", "claimed real-time dashboards editable by anyone"),
            ("Orbit automatically emails every dashboard to all of your customers each Friday.", "invented automatic emails to customers"),
        ],
        "old": [("Open the Insights (beta) tab and pin the 'Late tasks' widget.", "used the retired Insights beta tab")],
        "gist": "a dashboard of overdue tasks",
        "fix": "explained dashboards, view-only links and the 15-minute refresh",
    },
    {
        "q": [
            "Can Orbit email a weekly status report to my manager?",
            "How do I schedule a report for every {weekday}?",
            "Can I export time tracking for {month}?",
        ],
        "a": [
            "Yes: open the report, click Schedule, choose weekly on {weekday} and add the recipients; they don't need an Orbit account. Time tracking for {month} is exported from Reports > Time in the same way.",
            "Open any report and use Schedule to send it every {weekday} to the addresses you enter, even people without an Orbit account. Reports > Time exports time tracking for a month such as {month}.",
        ],
        "ref": "Any report can be scheduled (weekly on a chosen day) to recipients without Orbit accounts; time tracking is exported from Reports > Time.",
        "hal": [
            ("Scheduled reports can also be sent by SMS and fax to your manager.", "claimed SMS and fax delivery of reports"),
            ("Time tracking exports include each person's salary and hourly cost automatically.", "said time exports include salaries"),
        ],
        "old": [("Reports can only be scheduled from the Orbit desktop app version 2.", "referenced scheduling in desktop app v2")],
        "gist": "scheduling a weekly report",
        "fix": "showed the Schedule option on reports",
    },
]
