import GridflowDefinitions
import Mustache

/// The pages' Mustache templates, kept in the source (no resource bundle to ship) and parsed
/// once. Every `{{value}}` is escaped for HTML by the library; the only unescaped insertions
/// (`{{{…}}}`) are the body of the layout, rendered from these templates, and the workflow
/// diagram, drawn by `WorkflowSVG` with every text escaped.
enum PageTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [
            ("layout", layout), ("signin", signin), ("message", message), ("inbox", inbox), ("case", casePage),
            ("report", report), ("receipt", receipt), ("bulletins", bulletins), ("bulletinPicker", bulletinPicker),
            ("bulletinBar", bulletinBar), ("adminIndex", adminIndex), ("deployments", deployments),
            ("incidents", incidents), ("coverage", coverage), ("appraisals", appraisals), ("spaces", spaces),
            ("space", space),
        ] {
            // The templates are constants of this file: a mistake in one is a programming error.
            do { try library.register(text, named: name) } catch { fatalError("page template \(name): \(error)") }
        }
        return library
    }()

    /// Renders the template `name` with `context`.
    static func render(_ name: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: name) ?? ""
    }

    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>{{title}} · {{unitTitle}}</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        <a class="skip" href="#main">{{l.skip}}</a>
        <header class="bar">
        <span class="unit">{{unitTitle}}</span>
        {{#signedIn}}
        <nav aria-label="{{l.navigation}}" class="links"><a href="/">{{l.inbox}}</a> <a href="{{unitPath}}/files">{{l.files}}</a> <a href="{{unitPath}}/bulletins">{{l.bulletins}}</a>{{#isAdmin}} <a href="{{unitPath}}/admin">{{l.administration}}</a>{{/isAdmin}}</nav>
        <form method="post" action="/signout" class="signout">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <span>{{l.signedInAs}} <strong id="who">{{personName}}</strong></span>
        <button type="submit">{{l.signOut}}</button>
        </form>
        {{/signedIn}}
        </header>
        <main id="main" tabindex="-1">
        <h1>{{title}}</h1>
        {{{body}}}
        </main>
        </body>
        </html>

        """

    static let css = """
        *{box-sizing:border-box}
        body{margin:0;font-family:system-ui,"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;font-size:1rem;line-height:1.5;color:#1a1a1a;background:#f6f6f6}
        a{color:#0b4f9c}
        a:focus,button:focus,input:focus,select:focus,textarea:focus,main:focus{outline:3px solid #b45309;outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0}.skip:focus{left:8px;top:8px;background:#fff;color:#0b4f9c;padding:8px;z-index:10}
        .bar{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;padding:8px 16px;background:#12355b;color:#fff}
        .bar a{color:#fff}.bar .unit{font-weight:bold}
        .links{display:flex;flex-wrap:wrap;gap:8px 16px}
        .signout{margin-left:auto;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
        main{padding:16px;max-width:60rem;margin:0 auto}
        h1{font-size:1.5rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}
        h2{font-size:1.2rem;margin:0 0 .5rem}
        section{background:#fff;border:1px solid #c8c8c8;border-radius:8px;padding:12px 16px;margin:0 0 16px}
        .items{list-style:none;padding:0;margin:0}
        .items>li{padding:10px 0;border-bottom:1px solid #e3e3e3}
        .items>li:last-child{border-bottom:0}
        .overdue{color:#9b1c1c;font-weight:bold}
        .badge{display:inline-block;padding:0 6px;border-radius:4px;background:#9b1c1c;color:#fff;font-size:.875rem}
        dl.fields{display:grid;grid-template-columns:1fr;gap:2px 16px;margin:0}
        dl.fields dt{font-weight:bold}
        dl.fields dd{margin:0 0 10px;overflow-wrap:anywhere;white-space:pre-wrap}
        .hidden-field{color:#4a4a4a;font-style:italic}
        label{display:block;font-weight:bold;margin:.75rem 0 .25rem}
        input[type=text],input[type=number],input[type=date],input[type=datetime-local],select,textarea{width:100%;font:inherit;padding:8px;border:1px solid #595959;border-radius:4px;background:#fff;color:#1a1a1a}
        input[type=checkbox]{width:1.25rem;height:1.25rem}
        label.check{display:flex;gap:8px;align-items:center}
        fieldset{border:0;padding:0;margin:0 0 16px}
        legend{font-weight:bold;font-size:1.1rem}
        button{font:inherit;padding:8px 16px;border-radius:4px;border:1px solid #12355b;background:#12355b;color:#fff;cursor:pointer;min-height:44px;margin-top:12px}
        .bar button{background:#fff;color:#12355b;margin:0}
        .inline button{margin-top:4px}
        .error{border-color:#9b1c1c;background:#fdf2f2}
        .diagram{overflow-x:auto}
        .diagram svg{max-width:100%;height:auto}
        .hint{color:#4a4a4a;font-size:.9rem;margin:.25rem 0;overflow-wrap:anywhere}
        code{overflow-wrap:anywhere}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;padding:6px;border-bottom:1px solid #e3e3e3;vertical-align:top;overflow-wrap:anywhere}
        .filters{display:flex;flex-wrap:wrap;gap:0 16px;align-items:flex-end}
        .filters>div{flex:1 1 12rem}
        .table-wrap{overflow-x:auto}
        input[type=file]{font:inherit;max-width:100%}
        @media (min-width:40rem){dl.fields{grid-template-columns:minmax(8rem,max-content) 1fr}dl.fields dd{margin:0 0 6px}}
        """

    /// Not signed in: how to sign in.
    static let signin = """
        <section>
        <p>{{l.signInExplain}}</p>
        <p class="hint">{{l.signInHow}}</p>
        </section>

        """

    /// A page of one message (an expired code, a refused form).
    static let message = """
        <section class="{{#isError}}error{{/isError}}" role="{{#isError}}alert{{/isError}}{{^isError}}status{{/isError}}">
        <p id="message">{{message}}</p>
        {{#hasHint}}<p class="hint">{{hint}}</p>{{/hasHint}}
        <p><a href="/">{{l.backToInbox}}</a></p>
        </section>

        """

    static let inbox = """
        <section aria-labelledby="tasks-h">
        <h2 id="tasks-h">{{l.tasks}} ({{taskCount}})</h2>
        <form method="get" action="/" class="filters" aria-label="{{l.filter}}">
        <div><label for="f-workflow">{{l.workflow}}</label>
        <select id="f-workflow" name="workflow"><option value="">{{l.all}}</option>{{#workflows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/workflows}}</select></div>
        <div><label for="f-state">{{l.state}}</label>
        <select id="f-state" name="state"><option value="">{{l.all}}</option>{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/states}}</select></div>
        <div><button type="submit">{{l.filter}}</button></div>
        </form>
        {{#hasTasks}}
        <ul class="items" id="tasks">
        {{#tasks}}
        <li class="task" data-case="{{caseID}}"{{#overdue}} data-overdue="true"{{/overdue}}>
        <a href="{{href}}">{{title}} · {{caseID}}</a>
        <div class="hint">{{workflowTitle}} · {{stateTitle}} · {{l.since}} <time datetime="{{sinceISO}}">{{since}}</time></div>
        {{#hasDue}}<div{{#overdue}} class="overdue"{{/overdue}}>{{l.due}}: <time datetime="{{dueISO}}">{{due}}</time>{{#overdue}} <span class="badge">{{l.overdue}}</span>{{/overdue}}</div>{{/hasDue}}
        </li>
        {{/tasks}}
        </ul>
        {{/hasTasks}}
        {{^hasTasks}}<p id="tasks">{{l.noTasks}}</p>{{/hasTasks}}
        </section>
        <section aria-labelledby="notifications-h">
        <h2 id="notifications-h">{{l.notifications}}</h2>
        {{#hasNotifications}}
        <ul class="items" id="notifications">
        {{#notifications}}
        <li class="notification" data-notification="{{id}}">
        <p>{{message}}</p>
        <div class="hint"><a href="{{href}}">{{caseID}}</a> · <time datetime="{{atISO}}">{{at}}</time></div>
        <form method="post" action="/notifications/{{id}}/read" class="inline">
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <button type="submit">{{l.markRead}}</button>
        </form>
        </li>
        {{/notifications}}
        </ul>
        {{/hasNotifications}}
        {{^hasNotifications}}<p id="notifications">{{l.noNotifications}}</p>{{/hasNotifications}}
        </section>

        """

    static let casePage = """
        <p class="hint">{{workflowTitle}} · {{l.state}}: <strong id="state" data-state="{{state}}">{{stateTitle}}</strong> · {{l.version}} {{version}}</p>
        {{#hasRefusal}}
        <section class="error" role="alert" aria-labelledby="refusal-h" id="refusal">
        <h2 id="refusal-h">{{refusalTitle}}</h2>
        <p>{{refusalMessage}}</p>
        {{#hasExplanation}}
        <table>
        <caption class="hint">{{l.explanation}}</caption>
        <thead><tr><th scope="col">{{l.expression}}</th><th scope="col">{{l.value}}</th></tr></thead>
        <tbody>{{#explanation}}<tr><td><code>{{expression}}</code></td><td>{{value}}</td></tr>{{/explanation}}</tbody>
        </table>
        {{/hasExplanation}}
        </section>
        {{/hasRefusal}}
        <section aria-labelledby="actions-h">
        <h2 id="actions-h">{{l.actions}}</h2>
        {{#hasForms}}
        {{#forms}}
        <form method="post" action="{{action}}" class="event" data-event="{{event}}"{{#hasFiles}} enctype="multipart/form-data"{{/hasFiles}}>
        <fieldset>
        <legend>{{title}}</legend>
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <input type="hidden" name="_version" value="{{version}}">
        \(inputs)
        <button type="submit">{{button}}</button>
        </fieldset>
        </form>
        {{/forms}}
        {{/hasForms}}
        {{^hasForms}}<p>{{l.noActions}}</p>{{/hasForms}}
        </section>
        <section aria-labelledby="fields-h">
        <h2 id="fields-h">{{l.fields}}</h2>
        <dl class="fields" id="fields">
        {{#fields}}
        <dt>{{label}}</dt>
        {{#hidden}}<dd class="hidden-field" data-field="{{name}}" data-hidden="true">{{l.hiddenFromYou}} ({{visibleTo}})</dd>{{/hidden}}
        {{^hidden}}<dd data-field="{{name}}">{{^hasAttachments}}{{value}}{{/hasAttachments}}{{#hasAttachments}}<ul class="attachments">{{#attachments}}<li><a href="{{href}}" data-attachment="{{id}}">{{name}}</a></li>{{/attachments}}</ul>{{/hasAttachments}}</dd>{{/hidden}}
        {{/fields}}
        </dl>
        {{#problems}}<p class="hint">{{.}}</p>{{/problems}}
        </section>
        <section aria-labelledby="diagram-h">
        <h2 id="diagram-h">{{l.diagram}}</h2>
        <div class="diagram">{{{diagram}}}</div>
        <p class="hint">{{l.currentState}}: {{stateTitle}}</p>
        </section>
        <section aria-labelledby="history-h">
        <h2 id="history-h">{{l.history}}</h2>
        <ol class="items" id="history">
        {{#history}}
        <li>
        <div><strong>{{event}}</strong> {{#hasFrom}}{{from}} → {{/hasFrom}}{{to}}</div>
        <div class="hint"><time datetime="{{atISO}}">{{at}}</time> · {{l.by}} {{actor}}</div>
        {{#hasChanges}}<ul>{{#changes}}<li>{{field}}: {{value}}</li>{{/changes}}</ul>{{/hasChanges}}
        </li>
        {{/history}}
        </ol>
        </section>

        """
}

extension PageTemplates {
    /// The inputs of a generated form (the case page's event forms, the report form).
    static let inputs = """
        {{#inputs}}
        {{#isCheckbox}}<label class="check" for="{{id}}"><input type="checkbox" id="{{id}}" name="{{name}}" value="true"{{#checked}} checked{{/checked}}>{{label}}</label>{{/isCheckbox}}
        {{#isSelect}}<label for="{{id}}">{{label}}{{#required}} ({{l.required}}){{/required}}</label>
        <select id="{{id}}" name="{{name}}"{{#multiple}} multiple{{/multiple}}{{#required}} required{{/required}}>{{#options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{title}}</option>{{/options}}</select>{{/isSelect}}
        {{#isTextarea}}<label for="{{id}}">{{label}}{{#required}} ({{l.required}}){{/required}}</label>
        <textarea id="{{id}}" name="{{name}}" rows="4"{{#required}} required{{/required}}{{#hasHint}} aria-describedby="{{id}}-hint"{{/hasHint}}>{{value}}</textarea>{{/isTextarea}}
        {{#isInput}}<label for="{{id}}">{{label}}{{#required}} ({{l.required}}){{/required}}</label>
        <input type="{{type}}" id="{{id}}" name="{{name}}" value="{{value}}"{{#hasStep}} step="{{step}}"{{/hasStep}}{{#required}} required{{/required}}{{#hasHint}} aria-describedby="{{id}}-hint"{{/hasHint}}>{{/isInput}}
        {{#isFile}}<label for="{{id}}">{{label}}{{#required}} ({{l.required}}){{/required}}</label>
        <input type="file" id="{{id}}" name="{{name}}" accept="image/jpeg,image/png"{{#multiple}} multiple{{/multiple}}{{#required}} required{{/required}} aria-describedby="{{id}}-hint">{{/isFile}}
        {{#hasHint}}<p class="hint" id="{{id}}-hint">{{hint}}</p>{{/hasHint}}
        {{/inputs}}
        """

    /// The report form of an org node (`/units/{unit}/report/{node}`), without a session.
    static let report = """
        {{#hasError}}<section class="error" role="alert" id="report-error"><p>{{error}}</p></section>{{/hasError}}
        <p>{{placeLabel}}: <strong id="node" data-node="{{node}}">{{nodeTitle}}</strong></p>
        {{#canSend}}
        <form method="post" action="{{action}}" id="report-form"{{#hasPhotos}} enctype="multipart/form-data"{{/hasPhotos}}>
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <fieldset>
        <legend>{{l.identity}}</legend>
        {{#anonymousAllowed}}<label class="check" for="identity-anonymous"><input type="radio" id="identity-anonymous" name="_identity" value="anonymous"{{#anonymousChecked}} checked{{/anonymousChecked}}>{{l.anonymous}}</label>{{/anonymousAllowed}}
        {{#signedIn}}<label class="check" for="identity-real"><input type="radio" id="identity-real" name="_identity" value="real_name"{{#realNameChecked}} checked{{/realNameChecked}}>{{l.realName}} ({{personName}})</label>{{/signedIn}}
        {{^signedIn}}<p class="hint">{{l.signInForRealName}}</p>{{/signedIn}}
        </fieldset>
        <fieldset>
        <legend>{{workflowTitle}}</legend>
        \(inputs)
        <button type="submit">{{l.submitReport}}</button>
        </fieldset>
        </form>
        {{/canSend}}
        {{^canSend}}<p id="report-error">{{l.anonymousNotAllowed}}</p>{{/canSend}}

        """

    /// A report's receipt (`/receipts/{code}`): what its reporter may follow, and their rating.
    static let receipt = """
        {{#fresh}}<section role="status" id="received"><p>{{l.received}}</p></section>{{/fresh}}
        <section aria-labelledby="code-h">
        <h2 id="code-h">{{l.receiptCode}}</h2>
        <p><strong id="receipt-code">{{code}}</strong></p>
        <p class="hint">{{l.receiptKeep}} <a id="receipt-url" href="{{receiptURL}}">{{receiptURL}}</a></p>
        </section>
        {{#hasError}}<section class="error" role="alert" id="refusal"><p>{{error}}</p></section>{{/hasError}}
        <p class="hint">{{workflowTitle}} · {{l.state}}: <strong id="state" data-state="{{state}}">{{stateTitle}}</strong></p>
        {{#hasForms}}
        <section aria-labelledby="actions-h">
        <h2 id="actions-h">{{l.actions}}</h2>
        {{#forms}}
        <form method="post" action="{{action}}" class="event" data-event="{{event}}"{{#hasFiles}} enctype="multipart/form-data"{{/hasFiles}}>
        <fieldset>
        <legend>{{title}}</legend>
        <input type="hidden" name="_csrf" value="{{csrf}}">
        <input type="hidden" name="_version" value="{{version}}">
        \(inputs)
        <button type="submit">{{button}}</button>
        </fieldset>
        </form>
        {{/forms}}
        </section>
        {{/hasForms}}
        {{#signInToAct}}<p class="hint">{{l.signInToRate}}</p>{{/signInToAct}}
        <section aria-labelledby="answers-h">
        <h2 id="answers-h">{{l.answers}}</h2>
        <dl class="fields" id="fields">
        {{#fields}}
        <dt>{{label}}</dt>
        <dd data-field="{{name}}">{{^hasAttachments}}{{value}}{{/hasAttachments}}{{#hasAttachments}}<ul class="attachments">{{#attachments}}<li><a href="{{href}}" data-attachment="{{id}}">{{name}}</a></li>{{/attachments}}</ul>{{/hasAttachments}}</dd>
        {{/fields}}
        </dl>
        </section>
        <section aria-labelledby="progress-h">
        <h2 id="progress-h">{{l.progress}}</h2>
        <ol class="items" id="progress">
        {{#progress}}
        <li><strong>{{event}}</strong> → {{to}} <span class="hint"><time datetime="{{atISO}}">{{at}}</time></span></li>
        {{/progress}}
        </ol>
        </section>

        """
}

/// The fixed words of the pages in the unit's language (`locale:`), English where the language
/// has no table.
enum PageLabels {
    static func of(_ locale: UnitLocale) -> [String: String] {
        locale.language == "zh" ? chinese : english
    }

    static let english: [String: String] = [
        "skip": "Skip to the content", "navigation": "Pages", "inbox": "Inbox", "signedInAs": "Signed in as",
        "signOut": "Sign out", "backToInbox": "Back to the inbox", "tasks": "Tasks waiting for you",
        "filter": "Filter", "workflow": "Workflow", "state": "State", "all": "All", "since": "since",
        "due": "Due", "overdue": "Overdue", "noTasks": "Nothing is waiting for you.",
        "notifications": "Unread notifications", "noNotifications": "No unread notifications.",
        "markRead": "Mark read", "version": "version", "explanation": "Why, part by part",
        "expression": "Expression", "value": "Value", "actions": "What you can do now",
        "noActions": "There is nothing you can do on this case now.", "required": "required",
        "fields": "Fields", "hiddenFromYou": "Hidden from you", "diagram": "Workflow",
        "currentState": "Current state", "current": "current", "history": "History", "by": "by",
        "signIn": "Sign in",
        "signInExplain":
            "You are not signed in. Open the sign-in link your unit's administrator gave you; it signs you in once.",
        "signInHow": "Administrators issue a link with: gridflow signin-link --unit UNIT --person ID",
        "send": "Send", "yes": "yes", "no": "no", "none": "—", "refused": "The step was refused",
        "onePerLine": "One per line.", "personHint": "The person's id in the directory.",
        "durationHint": "A duration such as 3d, 5wd or 1d12h.", "jsonHint": "As JSON.",
        "notSupported": "Not available in this form; use the API.",
        "report": "Report", "identity": "Who reports",
        "anonymous": "Anonymously: nobody learns who you are; you follow the report by its receipt code",
        "realName": "Under my name",
        "signInForRealName": "To report under your name, sign in first with your sign-in link.",
        "anonymousNotAllowed":
            "This form takes reports under the reporter's name only: sign in first with your sign-in link.",
        "submitReport": "Send the report",
        "photoHint":
            "JPEG or PNG, at most {count} photos of {size} each. Where and when a photo was taken, and by which device, are removed before it is stored.",
        "photosTooLarge": "The photos are too large", "tooManyReports": "Too many reports",
        "tooManyReportsText":
            "Too many reports came from this connection just now. Please wait {seconds} seconds, then send the form again.",
        "attachments": "Attachments",
        "received": "Your report is received.", "receipt": "Your report", "receiptCode": "Receipt code",
        "receiptKeep": "Keep this code or this page's address: it is how you follow the report and rate its answer.",
        "receiptUnknown": "No report has this receipt code.", "answers": "What you may read",
        "progress": "Progress", "submitted": "Reported",
        "signInToRate": "You reported under your name: sign in to rate the answer here.",
        "notYours": "This is not a step you can take on this report now.",
        "changed": "The report changed meanwhile: read it again before you send.",
        "formRefused": "The form was refused",
        "formRefusedText": "The form does not carry the token of this browser's form cookie, or the cookie expired.",
        "formRefusedHint": "Open the form again and send it within two hours.",
        "files": "Files", "bulletins": "Bulletins", "administration": "Administration", "forbidden": "Forbidden",
        "noReports": "No bulletin is for you.", "period": "Period", "show": "Show", "deployments": "Deployments",
        "deployedAt": "Deployed", "deployedBy": "Deployed by", "openCases": "Open cases / all", "note": "Message",
        "active": "active",
        "diff": "What changed between two deployments", "from": "From", "to": "To", "compare": "Compare",
        "noChange": "No change in the definitions.", "incidents": "Incidents", "retry": "Retry",
        "retried": "Retried and resolved: incident", "noIncidents": "No open incidents.", "coverage": "Coverage",
        "gaps": "Gaps", "gap": "gap", "unplaced": "Holding the role but covering no place",
        "noCoverage": "The unit has no coverage rules.", "appraisals": "Appraisal runs", "appraisal": "Appraisal",
        "dryRun": "Dry run: score only, store nothing, perform no consequence", "run": "Run",
        "facts": "Imported facts (CSV text)", "factsFile": "Or a CSV file",
        "factsHint":
            "A header row with a person column (the person's id) and a column per imported fact, then a row per person. Columns:",
        "noImportedFacts": "no imported facts", "factsProblems": "Nothing was run or stored.",
        "results": "Results", "stored": "Results stored", "notStored": "Nothing stored",
        "performed": "Consequences performed", "person": "Person", "role": "Role", "total": "Total",
        "grade": "Grade", "incomplete": "Not scored", "noSpaces": "No file space is open to you.",
        "folders": "Folders", "upload": "Upload", "folder": "Folder", "file": "File", "maxSize": "At most",
        "moveTo": "Move to", "move": "Move", "delete": "Delete", "noFiles": "No files here.", "trail": "Who did what",
    ]

    static let chinese: [String: String] = [
        "skip": "跳到正文", "navigation": "页面", "inbox": "待办", "signedInAs": "当前用户", "signOut": "退出登录",
        "backToInbox": "返回待办", "tasks": "待您处理的事项", "filter": "筛选", "workflow": "流程", "state": "状态",
        "all": "全部", "since": "开始于", "due": "期限", "overdue": "已超期", "noTasks": "暂无待办事项。",
        "notifications": "未读通知", "noNotifications": "暂无未读通知。", "markRead": "标为已读", "version": "版本",
        "explanation": "逐项说明", "expression": "表达式", "value": "值", "actions": "您现在可以办理",
        "noActions": "您目前对此案件无可办理的操作。", "required": "必填", "fields": "字段", "hiddenFromYou": "对您隐藏",
        "diagram": "流程图", "currentState": "当前状态", "current": "当前", "history": "办理记录", "by": "办理人",
        "signIn": "登录", "signInExplain": "您尚未登录。请打开单位管理员发给您的登录链接；该链接只能使用一次。",
        "signInHow": "管理员签发链接：gridflow signin-link --unit 单位 --person 人员编号", "send": "提交", "yes": "是",
        "no": "否", "none": "—", "refused": "操作被拒绝", "onePerLine": "每行一项。", "personHint": "人员目录中的编号。",
        "durationHint": "时长，如 3d、5wd 或 1d12h。", "jsonHint": "JSON 格式。", "notSupported": "此表单不支持，请使用 API。",
        "report": "问题反映", "identity": "反映方式", "anonymous": "匿名反映：任何人都无法知道您是谁，凭回执码查看办理情况",
        "realName": "实名反映", "signInForRealName": "如需实名反映，请先用登录链接登录。",
        "anonymousNotAllowed": "此表单只受理实名反映，请先用登录链接登录。", "submitReport": "提交反映",
        "photoHint": "JPEG 或 PNG 格式，最多 {count} 张，每张不超过 {size}。照片的拍摄地点、时间和设备信息在保存前会被删除。",
        "photosTooLarge": "照片过大", "tooManyReports": "反映过于频繁",
        "tooManyReportsText": "此连接刚才提交的反映过多。请等待 {seconds} 秒后再提交。", "attachments": "附件",
        "received": "您的反映已提交。", "receipt": "我的反映",
        "receiptCode": "回执码", "receiptKeep": "请保存此回执码或本页网址：凭它查看办理情况并评价。",
        "receiptUnknown": "没有与此回执码对应的反映。", "answers": "办理情况", "progress": "办理进程", "submitted": "已提交",
        "signInToRate": "您是实名反映：请登录后在此评价。", "notYours": "您现在不能对此反映办理这一步。",
        "changed": "反映已有更新，请刷新后再提交。", "formRefused": "表单被拒绝",
        "formRefusedText": "表单缺少本浏览器表单 Cookie 的令牌，或 Cookie 已过期。", "formRefusedHint": "请重新打开表单，并在两小时内提交。",
        "files": "共享文件", "bulletins": "通报", "administration": "管理", "forbidden": "无权访问", "noReports": "没有面向您的通报。",
        "period": "期间", "show": "查看", "deployments": "部署版本", "deployedAt": "部署时间", "deployedBy": "部署人",
        "openCases": "未办结 / 全部",
        "note": "说明",
        "active": "当前", "diff": "两个部署之间的变化", "from": "从", "to": "到", "compare": "比较", "noChange": "定义没有变化。",
        "incidents": "异常", "retry": "重试", "retried": "已重试并解决：异常", "noIncidents": "没有未解决的异常。", "coverage": "覆盖",
        "gaps": "空缺", "gap": "空缺", "unplaced": "担任该角色但未覆盖任何位置", "noCoverage": "本单位没有覆盖规则。",
        "appraisals": "考核运行", "appraisal": "考核", "dryRun": "试运行：只计分，不保存，不执行后果", "run": "运行", "facts": "导入数据（CSV 文本）",
        "factsFile": "或上传 CSV 文件",
        "factsHint": "首行为表头：person 列（人员编号）及每项导入数据一列，其后每人一行。各考核的列：", "noImportedFacts": "无导入数据",
        "factsProblems": "未运行，也未保存任何结果。", "results": "结果",
        "stored": "结果已保存", "notStored": "未保存", "performed": "已执行的后果", "person": "人员", "role": "角色", "total": "总分",
        "grade": "等级", "incomplete": "未能计分", "noSpaces": "没有向您开放的共享空间。", "folders": "文件夹", "upload": "上传",
        "folder": "文件夹", "file": "文件", "maxSize": "不超过", "moveTo": "移动到", "move": "移动", "delete": "删除",
        "noFiles": "这里没有文件。", "trail": "操作记录",
    ]
}
