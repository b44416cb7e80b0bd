import FPSClient

/// The HTML pages of the sandbox CBUI: plain forms and inline CSS, no JavaScript.
enum CBUIPages {
    /// Renders the buyer's authorization page for one pending request.
    static func authorization(_ record: CBUIRequestRecord) -> ServerResponse {
        var body = """
            <h1>Authorize a payment</h1>
            <p class="merchant">\(escape(record.merchantName)) asks you to authorize</p>
            <p class="amount">\(escape(record.amount.description))</p>
            """
        if let reason = record.paymentReason {
            body += "<p class=\"reason\"><span>For</span> \(escape(reason))</p>\n"
        }
        if record.reserve {
            body += "<p class=\"note\">This order reserves the amount on your credit card now; the merchant charges it when the order ships.</p>\n"
        }

        body += "<form method=\"post\" action=\"\(CBUIService.decidePath)\">\n"
        body += "<input type=\"hidden\" name=\"request\" value=\"\(escape(record.requestID))\">\n"
        body += "<fieldset><legend>Pay with</legend>\n"
        if record.offeredMethods.isEmpty {
            body += "<p class=\"note\">You have none of the payment methods this merchant accepts. Approving returns a payment-method mismatch (PE).</p>\n"
        }
        for (index, method) in record.offeredMethods.enumerated() {
            let checked = index == 0 ? " checked" : ""
            body += "<label><input type=\"radio\" name=\"paymentMethod\" value=\"\(method.rawValue)\"\(checked)> \(escape(method.testInstrument))</label>\n"
        }
        body += "</fieldset>\n"

        body += testOutcomeControls(record)
        body += """
            <div class="buttons">
            <button type="submit" name="decision" value="approve" class="approve">Approve</button>
            <button type="submit" name="decision" value="decline" class="decline">Decline</button>
            </div>
            </form>
            <p class="fine">Merchant reference \(escape(record.callerReference))<br>Sandbox request \(escape(record.requestID))</p>
            """
        return page(status: 200, title: "Authorize \(record.amount) to \(record.merchantName)", body: body)
    }

    /// The sandbox-only select that forces any SingleUse status, so every branch of a merchant's
    /// return handling can be exercised. Success codes appear only for methods the order offers.
    private static func testOutcomeControls(_ record: CBUIRequestRecord) -> String {
        var html = "<fieldset class=\"sandbox\"><legend>Sandbox test outcome</legend>\n"
        html += "<select name=\"testOutcome\" aria-label=\"Sandbox test outcome\">\n"
        html += "<option value=\"\" selected>Normal: follow the button and payment method</option>\n"
        for status in CBUIStatus.allCases {
            if status.isSuccess, !record.offeredMethods.contains(where: { $0.successStatus == status }) { continue }
            html += "<option value=\"\(status.rawValue)\">\(status.rawValue): \(escape(status.meaning))</option>\n"
        }
        html += "</select>\n<p class=\"fine\">Applies when you press Approve. Decline always returns A.</p>\n</fieldset>\n"
        return html
    }

    /// Renders a page naming a problem that cannot be reported to the merchant by redirect.
    static func error(_ problem: CBUIPageError) -> ServerResponse {
        let body = """
            <h1>\(escape(problem.title))</h1>
            <p>\(escape(problem.detail))</p>
            """
        return page(status: problem.status, title: problem.title, body: body)
    }

    private static func page(status: Int, title: String, body: String) -> ServerResponse {
        let html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title)) · FPS sandbox</title>
            <style>
            body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f3f4f6; color: #111827; margin: 0; }
            header { background: #1f2937; color: #f9fafb; padding: 0.6rem 1.2rem; font-size: 0.95rem; }
            header strong { background: #f59e0b; color: #111827; padding: 0.1rem 0.4rem; border-radius: 3px; margin-right: 0.5rem; }
            main { max-width: 32rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,0.12); }
            h1 { font-size: 1.3rem; margin-top: 0; }
            .merchant { margin-bottom: 0.2rem; color: #374151; }
            .amount { font-size: 2rem; font-weight: 600; margin: 0 0 1rem; }
            .reason span, .fine { color: #6b7280; }
            .note { background: #eff6ff; border-left: 4px solid #3b82f6; padding: 0.5rem 0.8rem; }
            fieldset { border: 1px solid #d1d5db; border-radius: 6px; margin: 1rem 0; padding: 0.6rem 1rem; }
            fieldset.sandbox { border-style: dashed; border-color: #f59e0b; }
            label { display: block; padding: 0.3rem 0; }
            select { width: 100%; padding: 0.3rem; font: inherit; }
            .buttons { display: flex; gap: 0.8rem; }
            button { flex: 1; font: inherit; font-size: 1rem; padding: 0.6rem; border-radius: 6px; border: 1px solid #9ca3af; cursor: pointer; }
            button.approve { background: #047857; color: #fff; border-color: #047857; }
            button.decline { background: #fff; color: #b91c1c; border-color: #b91c1c; }
            .fine { font-size: 0.8rem; overflow-wrap: anywhere; }
            </style>
            </head>
            <body>
            <header><strong>SANDBOX</strong>fps-checkout payment authorization. No real money moves.</header>
            <main>
            \(body)
            </main>
            </body>
            </html>

            """
        return ServerResponse(status: status, contentType: "text/html; charset=utf-8", body: html)
    }

    static func escape(_ text: String) -> String {
        APIDocument.escape(text)
    }
}
