// A headless stand-in for the system browser: takes the authorization URL, follows redirects
// with a cookie jar, fills in and submits the issuer's forms (the development login of
// oidc-provider accepts any login and password, then asks for consent), and finally requests
// the loopback redirect, as a browser would. Forms are read from the HTML (action, hidden
// inputs), not hard-coded.
#pragma once

#include <QNetworkAccessManager>
#include <QObject>
#include <QUrl>
#include <functional>

class QNetworkReply;

class ScriptedBrowser : public QObject
{
    Q_OBJECT
public:
    explicit ScriptedBrowser(const QString &login = QStringLiteral("alice"), QObject *parent = nullptr);

    void open(const QUrl &authorizationUrl);

    // A chance to change the redirect back to the application (tests of state checks).
    std::function<QUrl(const QUrl &)> rewriteRedirect;

    QUrl authorizationUrl() const { return m_authorizationUrl; }
    QUrl redirectUrl() const { return m_redirectUrl; } // the loopback URL that was requested
    int formsSubmitted() const { return m_forms; }
    bool isDone() const { return m_done; }
    QString error() const { return m_error; }

Q_SIGNALS:
    void finished(bool ok, const QString &error);

private:
    void request(const QByteArray &method, const QUrl &url, const QByteArray &body = {});
    void onReply(QNetworkReply *reply);
    bool submitForm(const QUrl &pageUrl, const QString &html);
    void finish(bool ok, const QString &error);
    bool isRedirectBack(const QUrl &url) const;

    QString m_login;
    QNetworkAccessManager m_nam;
    QUrl m_authorizationUrl;
    QUrl m_redirectUri; // from the authorization request
    QUrl m_redirectUrl;
    int m_steps = 0;
    int m_forms = 0;
    bool m_done = false;
    QString m_error;
};
