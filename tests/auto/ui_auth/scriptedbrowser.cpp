#include "scriptedbrowser.h"

#include <QNetworkCookieJar>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QUrlQuery>

namespace {

QString htmlUnescape(QString text)
{
    text.replace(QStringLiteral("&quot;"), QStringLiteral("\""));
    text.replace(QStringLiteral("&#39;"), QStringLiteral("'"));
    text.replace(QStringLiteral("&#x27;"), QStringLiteral("'"));
    text.replace(QStringLiteral("&#x2F;"), QStringLiteral("/"));
    text.replace(QStringLiteral("&#47;"), QStringLiteral("/"));
    text.replace(QStringLiteral("&lt;"), QStringLiteral("<"));
    text.replace(QStringLiteral("&gt;"), QStringLiteral(">"));
    text.replace(QStringLiteral("&amp;"), QStringLiteral("&"));
    return text;
}

QHash<QString, QString> attributes(const QString &tag)
{
    QHash<QString, QString> out;
    static const QRegularExpression re(
        QStringLiteral(R"re(([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'))re"));
    auto it = re.globalMatch(tag);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        out.insert(m.captured(1).toLower(),
                   htmlUnescape(m.captured(2).isNull() ? m.captured(3) : m.captured(2)));
    }
    return out;
}

} // namespace

ScriptedBrowser::ScriptedBrowser(const QString &login, QObject *parent)
    : QObject(parent)
    , m_login(login)
{
    m_nam.setCookieJar(new QNetworkCookieJar(&m_nam));
    m_nam.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    connect(&m_nam, &QNetworkAccessManager::finished, this, &ScriptedBrowser::onReply);
}

void ScriptedBrowser::open(const QUrl &authorizationUrl)
{
    m_authorizationUrl = authorizationUrl;
    m_redirectUri =
        QUrl(QUrlQuery(authorizationUrl).queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded));
    m_steps = 0;
    m_forms = 0;
    m_done = false;
    m_error.clear();
    request("GET", authorizationUrl);
}

bool ScriptedBrowser::isRedirectBack(const QUrl &url) const
{
    return url.scheme() == m_redirectUri.scheme() && url.host() == m_redirectUri.host() &&
           url.port(80) == m_redirectUri.port(80) && url.path() == m_redirectUri.path();
}

void ScriptedBrowser::request(const QByteArray &method, const QUrl &url, const QByteArray &body)
{
    if (++m_steps > 25) {
        finish(false, QStringLiteral("too many steps"));
        return;
    }
    QNetworkRequest request(url);
    request.setTransferTimeout(10000);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    if (method == "POST") {
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        m_nam.post(request, body);
    } else {
        m_nam.get(request);
    }
}

void ScriptedBrowser::onReply(QNetworkReply *reply)
{
    reply->deleteLater();
    if (m_done)
        return;
    const QUrl url = reply->url();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    if (isRedirectBack(url)) {
        // The application's loopback server answered: the browser's part is over.
        finish(status == 200,
               status == 200 ? QString() : QStringLiteral("the redirect back answered HTTP %1").arg(status));
        return;
    }
    if (status >= 300 && status < 400) {
        QUrl next = url.resolved(QUrl(QString::fromUtf8(reply->rawHeader("Location"))));
        if (isRedirectBack(next)) {
            if (rewriteRedirect)
                next = rewriteRedirect(next);
            m_redirectUrl = next;
        }
        request("GET", next);
        return;
    }
    if (status == 200 && submitForm(url, QString::fromUtf8(body)))
        return;
    finish(false, QStringLiteral("HTTP %1 at %2: %3")
                      .arg(status)
                      .arg(url.toString(), QString::fromUtf8(body.left(300))));
}

bool ScriptedBrowser::submitForm(const QUrl &pageUrl, const QString &html)
{
    static const QRegularExpression formRe(QStringLiteral(R"(<form\b([^>]*)>(.*?)</form>)"),
                                           QRegularExpression::CaseInsensitiveOption |
                                               QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression inputRe(QStringLiteral(R"(<input\b([^>]*)>)"),
                                            QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch form = formRe.match(html);
    if (!form.hasMatch())
        return false;
    const QHash<QString, QString> formAttributes = attributes(form.captured(1));
    QUrlQuery fields;
    auto inputs = inputRe.globalMatch(form.captured(2));
    while (inputs.hasNext()) {
        const QHash<QString, QString> input = attributes(inputs.next().captured(1));
        const QString name = input.value(QStringLiteral("name"));
        if (name.isEmpty())
            continue;
        const QString type = input.value(QStringLiteral("type"), QStringLiteral("text")).toLower();
        QString value = input.value(QStringLiteral("value"));
        if (type == QLatin1String("password"))
            value = QStringLiteral("any-password");
        else if (type == QLatin1String("text") || type == QLatin1String("email"))
            value = m_login; // the login field of the development login page
        fields.addQueryItem(name, value);
    }
    const QUrl action = pageUrl.resolved(QUrl(formAttributes.value(QStringLiteral("action"))));
    const QByteArray method =
        formAttributes.value(QStringLiteral("method"), QStringLiteral("get")).toUpper().toLatin1();
    ++m_forms;
    QByteArray body;
    const auto items = fields.queryItems(QUrl::FullyDecoded);
    for (const auto &item : items) {
        if (!body.isEmpty())
            body += '&';
        body += QUrl::toPercentEncoding(item.first) + '=' + QUrl::toPercentEncoding(item.second);
    }
    if (method == "POST") {
        request("POST", action, body);
    } else {
        QUrl target = action;
        target.setQuery(QString::fromLatin1(body));
        request("GET", target);
    }
    return true;
}

void ScriptedBrowser::finish(bool ok, const QString &error)
{
    if (m_done)
        return;
    m_done = true;
    m_error = error;
    Q_EMIT finished(ok, error);
}
