#include "console.h"

#include "connectdialog.h"
#include "consoleconnection.h"
#include "mainwindow.h"

#include "auth/connectionprofile.h"
#include "auth/loginstatus.h"
#include "auth/mqttcredentials.h"
#include "auth/profilestore.h"
#include "auth/secretstore.h"
#include "auth/tokensession.h"
#include "client/serveraddress.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSslCertificate>
#include <QTimer>
#include <QVBoxLayout>

namespace drover::ui {

namespace {

// The transports of a profile: its URL's scheme, with its CA file for TLS.
std::optional<client::MqttClient::TransportFactory> transportOf(const ConnectionProfile &profile,
                                                                QString *error)
{
    const auto address = client::ServerAddress::parse(profile.url.toString(), error);
    if (!address)
        return std::nullopt;
    std::optional<QSslConfiguration> tls;
    if (address->isTls() && !profile.caFile.isEmpty()) {
        const QList<QSslCertificate> certificates = QSslCertificate::fromPath(profile.caFile);
        if (certificates.isEmpty()) {
            *error = QObject::tr("no PEM certificate in the CA file %1").arg(profile.caFile);
            return std::nullopt;
        }
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates(certificates);
        tls = configuration;
    }
    return address->transportFactory(tls);
}

} // namespace

Console::Console(std::optional<Embedded> embedded, std::unique_ptr<SecretStore> secrets,
                 const QString &profilesFile, QObject *parent)
    : QObject(parent)
    , m_embedded(std::move(embedded))
    , m_secrets(std::move(secrets))
    , m_profiles(std::make_unique<ProfileStore>(profilesFile))
{
    m_profiles->setSecretStore(m_secrets.get());
}

Console::~Console()
{
    for (const QPointer<MainWindow> &window : std::as_const(m_windows))
        delete window.data();
}

QList<MainWindow *> Console::windows() const
{
    QList<MainWindow *> out;
    for (const QPointer<MainWindow> &window : m_windows) {
        if (window)
            out.append(window.data());
    }
    return out;
}

MainWindow *Console::track(MainWindow *window)
{
    window->setAttribute(Qt::WA_DeleteOnClose);
    m_windows.removeAll(nullptr);
    m_windows.append(window);
    connect(window, &MainWindow::newWindowRequested, this, [this, window] { chooseAndOpen(window); });
    connect(window, &MainWindow::profilesRequested, this, [this, window] { chooseAndOpen(window); });
    window->show();
    return window;
}

MainWindow *Console::openEmbedded()
{
    if (!m_embedded)
        return nullptr;
    ConsoleConnection::Target target;
    target.description = m_embedded->description;
    target.transport = m_embedded->transport;
    auto *connection = new ConsoleConnection(target);
    auto *window = new MainWindow(connection, m_embedded->applications);
    window->setPlaceTitle(QStringLiteral("embedded gateway"));
    window->setLoginText(tr("anonymous (in-process)"));
    connection->open();
    if (!m_embedded->defaultApplication.isEmpty()) {
        EventSubscription subscription;
        subscription.application = m_embedded->defaultApplication;
        window->addSubscription(subscription);
    }
    return track(window);
}

MainWindow *Console::openProfile(const ConnectionProfile &profile)
{
    QString error;
    const auto transport = transportOf(profile, &error);
    if (!transport) {
        QMessageBox::warning(nullptr, tr("Cannot connect"), tr("%1: %2").arg(profile.name, error));
        return nullptr;
    }
    auto *session = new TokenSession(profile, m_secrets.get());
    if (m_browserOpener)
        session->setBrowserOpener(m_browserOpener);
    ConsoleConnection::Target target;
    target.description = profile.url.toString();
    target.transport = *transport;
    target.version = profile.mqttVersion == ConnectionProfile::MqttVersion::V5 ? mqtt::ProtocolVersion::V5
                                                                               : mqtt::ProtocolVersion::V311;
    target.clientId = profile.clientId.toUtf8();
    // Fresh credentials before every attempt: an access token is refreshed first.
    target.credentials = [session = QPointer<TokenSession>(session)](
                             QObject *context, ConsoleConnection::CredentialsCallback done) {
        if (!session)
            return done({}, tr("the login is gone"));
        session->credentialsForConnect(
            [context = QPointer<QObject>(context), done](const std::optional<MqttCredentials> &credentials,
                                                         const QString &error) {
                if (!context)
                    return;
                if (!credentials)
                    return done({}, error);
                done(ConnectCredentials{credentials->username, credentials->password}, {});
            });
    };
    auto *connection = new ConsoleConnection(target);
    auto *window = new MainWindow(connection, {});
    session->setParent(window);
    window->setPlaceTitle(profile.name);

    const auto showLogin = [window, session] { window->setLoginText(LoginStatus::text(*session)); };
    connect(session, &TokenSession::stateChanged, window, showLogin);
    connect(session, &TokenSession::tokensChanged, window, showLogin);
    connect(session, &TokenSession::identityChanged, window, showLogin);
    connect(session, &TokenSession::loginFinished, window,
            [window, connection](bool ok, const QString &error) {
                if (ok)
                    connection->open();
                else
                    QMessageBox::warning(window, tr("Login failed"), error);
            });
    connect(session, &TokenSession::browserLoginStarted, window, [window](const QUrl &url) {
        window->setLoginText(tr("Log in in your browser… (if it did not open: %1)").arg(url.toString()));
    });
    connect(window, &MainWindow::loginRequested, session, [this, window, session] {
        if (session->profile().authKind == ConnectionProfile::AuthKind::OAuth2)
            session->login();
        else if (session->profile().authKind != ConnectionProfile::AuthKind::Anonymous)
            askSecret(window, session);
    });
    connect(window, &MainWindow::logoutRequested, session, [session, connection] {
        connection->close();
        session->logout();
    });
    // A connection that needs a login (none saved, or the saved one was refused) asks for
    // one: the browser for OAuth2, a prompt for an API key or password.
    connect(connection, &ConsoleConnection::stateChanged, window,
            [this, window, session](ConsoleConnection::State state) {
                if (state != ConsoleConnection::State::LoginRequired)
                    return;
                if (session->profile().authKind == ConnectionProfile::AuthKind::OAuth2) {
                    if (session->state() != TokenSession::State::LoggingIn)
                        session->login();
                } else {
                    QTimer::singleShot(0, window, [this, window, session] { askSecret(window, session); });
                }
            });
    showLogin();
    connection->open();
    return track(window);
}

void Console::askSecret(MainWindow *window, TokenSession *session)
{
    const ConnectionProfile &profile = session->profile();
    const bool apiKey = profile.authKind == ConnectionProfile::AuthKind::ApiKey;
    QDialog dialog(window);
    dialog.setWindowTitle(apiKey ? tr("API key for %1").arg(profile.name)
                                 : tr("Password for %1").arg(profile.name));
    auto *secret = new QLineEdit(&dialog);
    secret->setEchoMode(QLineEdit::Password);
    auto *remember = new QCheckBox(tr("Remember it (%1)")
                                       .arg(m_secrets->storage() == SecretStore::Storage::SystemKeychain
                                                ? tr("in the system keychain")
                                            : m_secrets->storage() == SecretStore::Storage::InsecureFile
                                                ? tr("in a file, not encrypted")
                                                : tr("for this session only: no keychain")),
                                   &dialog);
    remember->setChecked(m_secrets->storage() == SecretStore::Storage::SystemKeychain);
    auto *form = new QFormLayout;
    form->addRow(tr("User:"), new QLabel(profile.username, &dialog));
    form->addRow(apiKey ? tr("API key:") : tr("Password:"), secret);
    form->addRow(QString(), remember);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addLayout(form);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted || secret->text().isEmpty())
        return;
    session->loginWithSecret(secret->text(), remember->isChecked());
    window->connection()->open();
}

MainWindow *Console::openUrl(const QString &url, QString *error)
{
    const auto address = client::ServerAddress::parse(url, error);
    if (!address)
        return nullptr;
    for (const ConnectionProfile &profile : m_profiles->profiles()) {
        const auto saved = client::ServerAddress::parse(profile.url.toString());
        if (saved && *saved == *address)
            return openProfile(profile);
    }
    ConnectionProfile adHoc = ConnectionProfile::create(address->toString());
    adHoc.url = QUrl(address->toString());
    return openProfile(adHoc);
}

void Console::chooseAndOpen(QWidget *parent)
{
    ConnectDialog dialog(m_profiles.get(), m_secrets.get(), m_embedded.has_value(), parent);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (const auto profile = dialog.chosenProfile())
        openProfile(*profile);
    else
        openEmbedded();
}

} // namespace drover::ui
