#include "profiledialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace drover::ui {

namespace {

QWidget *formPage(QFormLayout *form)
{
    auto *page = new QWidget;
    page->setLayout(form);
    form->setContentsMargins(0, 0, 0, 0);
    return page;
}

} // namespace

ProfileDialog::ProfileDialog(const ConnectionProfile &profile, QWidget *parent)
    : QDialog(parent)
    , m_profile(profile)
    , m_name(new QLineEdit(profile.name, this))
    , m_url(new QLineEdit(profile.url.toString(), this))
    , m_version(new QComboBox(this))
    , m_clientId(new QLineEdit(profile.clientId, this))
    , m_caFile(new QLineEdit(profile.caFile, this))
    , m_auth(new QComboBox(this))
    , m_authPages(new QStackedWidget(this))
    , m_issuer(new QLineEdit(profile.issuer.toString(), this))
    , m_oauthClientId(new QLineEdit(profile.oauthClientId, this))
    , m_scopes(new QLineEdit(profile.scopes.join(QLatin1Char(' ')), this))
    , m_audience(new QLineEdit(profile.audience, this))
    , m_placement(new QComboBox(this))
    , m_username(new QLineEdit(profile.username, this))
    , m_problems(new QLabel(this))
{
    setWindowTitle(profile.name.isEmpty() ? tr("New connection") : tr("Connection %1").arg(profile.name));
    m_url->setPlaceholderText(QStringLiteral("mqtts://mqtt-integration.example.com:443"));
    m_version->addItem(tr("MQTT 5"), int(ConnectionProfile::MqttVersion::V5));
    m_version->addItem(tr("MQTT 3.1.1"), int(ConnectionProfile::MqttVersion::V311));
    m_version->setCurrentIndex(profile.mqttVersion == ConnectionProfile::MqttVersion::V5 ? 0 : 1);
    m_clientId->setPlaceholderText(tr("assigned by the server"));
    m_caFile->setPlaceholderText(tr("the system's CA certificates"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("CA certificates (PEM)"), m_caFile->text(),
                                                          tr("PEM files (*.pem *.crt);;All files (*)"));
        if (!file.isEmpty())
            m_caFile->setText(file);
    });
    auto *caRow = new QHBoxLayout;
    caRow->addWidget(m_caFile, 1);
    caRow->addWidget(browse);

    m_auth->addItem(tr("Anonymous"), int(ConnectionProfile::AuthKind::Anonymous));
    m_auth->addItem(tr("OAuth2 / OpenID Connect login"), int(ConnectionProfile::AuthKind::OAuth2));
    m_auth->addItem(tr("API key"), int(ConnectionProfile::AuthKind::ApiKey));
    m_auth->addItem(tr("User name and password"), int(ConnectionProfile::AuthKind::Password));
    m_auth->setCurrentIndex(m_auth->findData(int(profile.authKind)));

    auto *none = new QFormLayout;
    none->addRow(new QLabel(tr("No credentials: only what the gateway allows anonymous clients."), this));
    auto *oauth = new QFormLayout;
    m_issuer->setPlaceholderText(QStringLiteral("https://sso.example.com/realms/drogue"));
    m_scopes->setPlaceholderText(tr("extra scopes; openid and offline_access are always asked for"));
    m_audience->setPlaceholderText(tr("optional"));
    m_placement->addItem(tr("as the MQTT user name"), int(ConnectionProfile::TokenPlacement::Username));
    m_placement->addItem(tr("as the MQTT password (MQTT 5 only)"),
                         int(ConnectionProfile::TokenPlacement::Password));
    m_placement->setCurrentIndex(profile.tokenPlacement == ConnectionProfile::TokenPlacement::Username ? 0
                                                                                                       : 1);
    oauth->addRow(tr("&Issuer:"), m_issuer);
    oauth->addRow(tr("Client &id:"), m_oauthClientId);
    oauth->addRow(tr("&Scopes:"), m_scopes);
    oauth->addRow(tr("&Audience:"), m_audience);
    oauth->addRow(tr("Send the &token:"), m_placement);
    auto *user = new QFormLayout;
    user->addRow(tr("&User name:"), m_username);
    user->addRow(new QLabel(tr("The key or password is asked for when you log in, and kept in the system "
                               "keychain if you wish."),
                            this));
    m_authPages->addWidget(formPage(none));
    m_authPages->addWidget(formPage(oauth));
    m_authPages->addWidget(formPage(user));
    const auto showPage = [this] {
        const auto kind = ConnectionProfile::AuthKind(m_auth->currentData().toInt());
        m_authPages->setCurrentIndex(kind == ConnectionProfile::AuthKind::Anonymous ? 0
                                     : kind == ConnectionProfile::AuthKind::OAuth2  ? 1
                                                                                    : 2);
    };
    showPage();
    connect(m_auth, &QComboBox::currentIndexChanged, this, showPage);

    auto *form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&URL:"), m_url);
    form->addRow(tr("&Protocol:"), m_version);
    form->addRow(tr("&Client id:"), m_clientId);
    form->addRow(tr("CA &file:"), caRow);
    form->addRow(tr("&Login:"), m_auth);
    m_problems->setWordWrap(true);
    m_problems->setStyleSheet(QStringLiteral("color: #b3261e"));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_authPages);
    layout->addWidget(m_problems);
    layout->addWidget(buttons);

    for (QLineEdit *edit : findChildren<QLineEdit *>())
        connect(edit, &QLineEdit::textChanged, this, &ProfileDialog::validate);
    for (QComboBox *combo : findChildren<QComboBox *>())
        connect(combo, &QComboBox::currentIndexChanged, this, &ProfileDialog::validate);
    validate();
    resize(560, sizeHint().height());
}

ConnectionProfile ProfileDialog::profile() const
{
    ConnectionProfile p = m_profile;
    p.name = m_name->text().trimmed();
    p.url = QUrl(m_url->text().trimmed());
    p.mqttVersion = ConnectionProfile::MqttVersion(m_version->currentData().toInt());
    p.clientId = m_clientId->text().trimmed();
    p.caFile = m_caFile->text().trimmed();
    p.authKind = ConnectionProfile::AuthKind(m_auth->currentData().toInt());
    p.issuer = QUrl(m_issuer->text().trimmed());
    p.oauthClientId = m_oauthClientId->text().trimmed();
    p.scopes = m_scopes->text().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    p.audience = m_audience->text().trimmed();
    p.tokenPlacement = ConnectionProfile::TokenPlacement(m_placement->currentData().toInt());
    p.username = m_username->text().trimmed();
    return p;
}

void ProfileDialog::validate()
{
    const QStringList problems = profile().validate();
    m_problems->setText(problems.join(QLatin1Char('\n')));
    m_problems->setVisible(!problems.isEmpty());
    if (auto *buttons = findChild<QDialogButtonBox *>())
        buttons->button(QDialogButtonBox::Save)->setEnabled(problems.isEmpty());
}

} // namespace drover::ui
