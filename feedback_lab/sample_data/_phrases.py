"""Phrase pools: slot values, wrappers, refusals, filler, foreign-language templates."""

from __future__ import annotations

FIRST = ["Maria", "James", "Aisha", "Tom", "Yuki", "Lena", "Carlos", "Priya", "Noah", "Fatima",
         "Oliver", "Sofia", "Daniel", "Mei", "Lucas", "Amara", "Jonas", "Chloe", "Ravi", "Elena",
         "Mateo", "Hannah", "Omar", "Grace", "Kenji", "Isla", "Tariq", "Nora", "Felix", "Zoe"]
LAST = ["Keller", "Okafor", "Nguyen", "Schmidt", "Rossi", "Patel", "Johnson", "Kowalski", "Silva",
        "Haddad", "Larsen", "Moreau", "Tanaka", "Byrne", "Costa", "Fischer", "Ahmed", "Lindqvist",
        "Novak", "Ortega", "Brennan", "Sato", "Weber", "Mensah", "Dubois"]
COMPANIES = ["Brightline Logistics", "Copperleaf Studio", "Northwind Health", "Tallis Robotics",
             "Juniper Foods", "Meridian Legal", "Pinecrest Schools", "Lumen Analytics", "Harbor & Vale",
             "Quarry Labs", "Saltmarsh Media", "Everfield Energy", "Kestrel Finance", "Orchard Retail",
             "Bluecap Consulting", "Granite Works", "Foxglove Events", "Riverbend Clinic"]
PROJECTS = ["Website Relaunch", "Q4 Roadmap", "Customer Onboarding", "Mobile v5", "Hiring Pipeline",
            "Spring Campaign", "Vendor Audit", "Data Migration", "Office Move", "Product Launch",
            "Support Backlog", "Brand Refresh", "ERP Rollout", "Conference 2027", "Security Review"]
SLOTS: dict[str, list] = {
    "plan": ["Free", "Team", "Business", "Enterprise"],
    "plan_to": ["Team", "Business"],
    "n_users": [4, 7, 12, 18, 25, 40, 60, 85, 120, 250],
    "month": ["June", "July", "August", "September", "October"],
    "amount": ["144", "288", "96", "480", "1,152", "36", "720"],
    "idp": ["Okta", "Azure AD", "Google Workspace", "OneLogin", "JumpCloud"],
    "integration": ["Google Drive", "Zapier", "Slack", "GitHub", "Jira"],
    "digest": ["daily", "weekly"],
    "device": ["iPhone", "Android phone", "iPad", "Pixel", "Samsung tablet"],
    "export_fmt": ["CSV", "XLSX"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "calendar": ["Google Calendar", "Outlook"],
    "project": PROJECTS,
}

Q_PREFIX = ["", "", "", "Hi, ", "Hello! ", "Quick question: ", "Hey team, ", "Good morning. ", "Hi there. ",
            "Sorry if this was asked before, ", "Hello, ", "Question: "]
Q_CONTEXT = ["", "", "", " We're a team of {n_users} on the {plan} plan.", " I'm the admin of our workspace.",
             " This is for our {dept} team.", " I looked in the help center but couldn't find it.",
             " We just moved over from spreadsheets.", " I'm on the {device} app right now.",
             " Our {dept} lead asked me to sort this out today.", " It worked fine last week."]
Q_SUFFIX = ["", "", "", " Thanks!", " Thanks in advance.", " Any help appreciated.", " This is a bit urgent.",
            " Cheers", " thx", " Appreciate it."]
DEPTS = ["marketing", "engineering", "finance", "support", "design", "operations", "sales", "HR", "legal"]

A_OPEN = ["", "", "Sure! ", "Happy to help. ", "Good question. ", "Thanks for reaching out. ", "Here's how: ",
          "Absolutely. ", "Of course. ", "Great question! "]
A_CLOSE = ["", "", " Let me know if anything is unclear.", " Hope that helps!", " Is there anything else I can help with?",
           " You can find more details in the Orbit help center.", " Feel free to ask if you get stuck.",
           " Happy organising!"]
A_EXTRA = ["", "", "", " This works the same way on the {device} app.", " Your {dept} colleagues will see the change right away.",
           " If {project} is shared with guests, they won't see this setting.", " The steps are identical on every plan that has the feature.",
           " It only takes a minute or two.", " You'll need to be signed in as the right user for this.",
           " The change is logged in the workspace audit trail."]

REFUSALS = [
    "I'm sorry, but I can't help with that request.",
    "Unfortunately I'm not able to assist with questions about {topic}. Please contact your workspace administrator.",
    "As an AI assistant, I don't have access to your account, so I cannot answer this.",
    "I'm not able to provide guidance on {topic}. Please reach out to our support team.",
    "Sorry, I can't assist with that. Is there something else I can help you with?",
    "I cannot help with requests that may involve account security or personal data.",
    "This request falls outside what I'm allowed to help with. Please consult the official documentation.",
    "I apologise, but I'm unable to answer questions related to {topic} at this time.",
    "For privacy reasons I can't process this. Please contact Orbit support directly.",
    "I'm afraid I can't do that. My guidelines don't allow me to discuss {topic}.",
    "I won't be able to help here, sorry. You may want to open a ticket instead.",
    "I can't provide that information. Please check with a human agent.",
]
EXTRACT_REFUSALS = [
    "I'm sorry, but I can't extract personal information such as names and email addresses from customer messages.",
    "I cannot process this email because it may contain sensitive data.",
    "Sorry, I'm not able to help with extracting data from this message.",
    "As an AI model I can't parse private customer correspondence. Please remove personal data and try again.",
    "I can't complete this extraction. The message appears to contain confidential account details.",
]
SUMMARY_REFUSALS = [
    "I'm not able to summarise conversations that may contain personal data.",
    "Sorry, I can't summarise this conversation.",
    "I cannot provide a summary of private customer chats. Please review the transcript manually.",
    "Unfortunately I'm unable to help with summarising this thread about {topic}.",
    "I can't do that: summarising support conversations is outside what I'm allowed to do.",
]

FILLER = [
    "Before you make any changes, it's always a good idea to review your workspace settings carefully.",
    "Orbit is designed to be flexible, so there are often several ways to achieve the same result.",
    "Many teams find it helpful to document these steps in an internal wiki for future reference.",
    "It's also worth noting that permissions can affect which options you see on screen.",
    "If you're unsure, you can always try the steps in a test project first to avoid surprises.",
    "Keep in mind that the interface may look slightly different depending on your browser and screen size.",
    "Our help center contains many articles that go into more depth on related topics.",
    "Communication with your team is key when changing how a shared workspace behaves.",
    "Remember that some settings only become visible after the page has been refreshed.",
    "In general, best practice is to make one change at a time and verify the result.",
    "There are a number of factors to consider, including your plan, your role and your team's workflow.",
    "Let me walk you through the whole process in detail so that nothing is missed.",
    "This is a common question and there are several important things to keep in mind.",
    "Please also make sure that your browser is up to date, as outdated browsers can cause issues.",
    "It may also help to sign out and sign back in after making the change.",
    "Productivity tools work best when everyone on the team follows the same conventions.",
    "You might also want to think about how this fits into your broader project management strategy.",
    "As always, if something doesn't look right, taking a screenshot can help our team investigate.",
    "Some customers also like to schedule a short training session for their team after such changes.",
    "Finally, don't forget that changes can take a moment to propagate to all devices.",
]
RECAP = ["To summarise: ", "In summary, ", "So, to recap: ", "In short: ", "To put it all together: "]

# wrong-language answers: {t} = topic translated, {menu} = settings page
FOREIGN_ANSWERS = {
    "Spanish": [
        "Para resolver tu consulta sobre {t}, ve a Configuración > {menu} y sigue los pasos indicados. Si el problema continúa, contacta con el administrador de tu espacio de trabajo.",
        "¡Claro! Puedes gestionar {t} desde Configuración > {menu}. Los cambios se aplican de inmediato para todo el equipo.",
        "Gracias por tu pregunta. En Orbit, {t} se configura en la página {menu}; allí encontrarás todas las opciones disponibles.",
    ],
    "German": [
        "Um dein Problem mit {t} zu lösen, öffne Einstellungen > {menu} und folge den Schritten dort. Falls es weiterhin nicht klappt, wende dich an deinen Workspace-Admin.",
        "Gern! Du kannst {t} unter Einstellungen > {menu} verwalten. Änderungen gelten sofort für das ganze Team.",
        "Danke für deine Frage. In Orbit findest du die Optionen für {t} auf der Seite {menu}.",
    ],
    "French": [
        "Pour régler votre question sur {t}, allez dans Paramètres > {menu} et suivez les étapes indiquées.",
        "Bien sûr ! Vous pouvez gérer {t} depuis Paramètres > {menu}. Les modifications s'appliquent immédiatement.",
    ],
    "Portuguese": [
        "Para resolver sua dúvida sobre {t}, acesse Configurações > {menu} e siga as instruções.",
        "Claro! Você pode gerenciar {t} em Configurações > {menu}. As alterações valem imediatamente para toda a equipe.",
    ],
}
FOREIGN_SUMMARIES = {
    "Spanish": ["El cliente {name} contactó al soporte por un problema con {t}. El agente explicó la solución y el caso quedó {status}.",
                "Resumen: consulta sobre {t}. El agente indicó los pasos en Configuración > {menu}; estado: {status}."],
    "German": ["Der Kunde {name} meldete sich wegen eines Problems mit {t}. Der Agent erklärte die Lösung, der Fall ist {status}.",
               "Zusammenfassung: Anfrage zu {t}. Der Agent verwies auf Einstellungen > {menu}; Status: {status}."],
    "French": ["Le client {name} a contacté le support au sujet de {t}. L'agent a expliqué la solution ; statut : {status}."],
    "Portuguese": ["O cliente {name} entrou em contato sobre {t}. O agente explicou a solução; situação: {status}."],
}
FOREIGN_STATUS = {
    "Spanish": ("resuelto", "escalado"), "German": ("gelöst", "eskaliert"),
    "French": ("résolu", "escaladé"), "Portuguese": ("resolvido", "escalado"),
}
LANG_CODE = {"Spanish": "es", "German": "de", "French": "fr", "Portuguese": "pt"}

# summaries
AGENT_CLARIFY = ["Thanks for reaching out! Could you tell me which workspace this is about?",
                 "Happy to help. Are you an admin of the workspace?", "Sure, which plan are you on?",
                 "Thanks. When did you first notice this?", "Got it. Are you using the web app or mobile?",
                 "I can look into that. Could you share a screenshot?"]
CUSTOMER_THANKS = ["That worked, thank you!", "Perfect, thanks a lot.", "Great, all sorted.", "Thanks, that's clear now.",
                   "Ok, I'll try that. Thanks."]
CUSTOMER_ESCALATE = ["That didn't fix it, can someone from your team call me?", "Still not working. I'd like to talk to a manager.",
                     "This is the third time I'm asking, please escalate."]
AGENT_ESCALATE = ["I've escalated this to our second-level team; they'll reply by email within one business day.",
                  "I'm passing this to a specialist who will follow up with you today."]
SUMMARY_TEMPLATES = [
    "{who} asked about {gist}. The agent {fix}. {status}",
    "Topic: {gist}. The agent {fix}. {status}",
    "{who} contacted support regarding {gist}; the agent {fix}. {status}",
    "Customer issue: {gist}. Resolution: the agent {fix}. {status}",
    "{who} needed help with {gist}. The agent {fix}. {status}",
]
STATUS_RESOLVED = ["The customer confirmed it worked.", "Resolved.", "The issue is resolved.", "Closed as resolved."]
STATUS_ESCALATED = ["The case was escalated to second-level support.", "Escalated; follow-up pending.",
                    "Not resolved in chat; escalated to a specialist."]
INVENTED_EVENTS = [
    ("The agent also promised a 50% discount on the next three invoices.", "says the agent promised a 50% discount; not in the chat"),
    ("The customer said they will cancel their subscription if this happens again.", "invents a cancellation threat"),
    ("The agent confirmed a known outage affecting all workspaces that day.", "mentions an outage that nobody mentioned"),
    ("A refund of 200 dollars was issued during the chat.", "claims a refund was issued; nothing like that in the transcript"),
    ("The customer asked to be moved to the Enterprise plan.", "adds a plan change the customer never asked for"),
    ("The agent scheduled a call with the customer's CTO for Monday.", "invents a call with the CTO"),
]
