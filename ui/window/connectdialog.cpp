#include "connectdialog.h"

#include "profiledialog.h"

#include "auth/profilestore.h"
#include "auth/secretstore.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace drover::ui {

namespace {
const QString EmbeddedId = QStringLiteral("embedded");
}

ConnectDialog::ConnectDialog(ProfileStore *profiles, SecretStore *secrets, bool embeddedAvailable,
                             QWidget *parent)
    : QDialog(parent)
    , m_profiles(profiles)
    , m_secrets(secrets)
    , m_embedded(embeddedAvailable)
    , m_list(new QListWidget(this))
    , m_open(new QPushButton(tr("&Open"), this))
    , m_edit(new QPushButton(tr("&Edit…"), this))
    , m_remove(new QPushButton(tr("&Remove"), this))
    , m_notice(new QLabel(this))
    , m_allowFile(new QCheckBox(tr("Keep secrets in a file instead (obscured, not encrypted)"), this))
{
    setWindowTitle(tr("Open a connection"));
    m_list->setObjectName(QStringLiteral("profileList"));
    auto *add = new QPushButton(tr("&New…"), this);
    connect(add, &QPushButton::clicked, this, &ConnectDialog::addProfile);
    connect(m_edit, &QPushButton::clicked, this, &ConnectDialog::editProfile);
    connect(m_remove, &QPushButton::clicked, this, &ConnectDialog::removeProfile);
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QString id = selectedId();
        if (id.isEmpty())
            return;
        m_chosen = id == EmbeddedId ? std::nullopt : m_profiles->profile(id);
        accept();
    });
    connect(m_list, &QListWidget::itemDoubleClicked, m_open, &QPushButton::click);
    connect(m_list, &QListWidget::currentRowChanged, this, [this] {
        const QString id = selectedId();
        m_open->setEnabled(!id.isEmpty());
        m_edit->setEnabled(!id.isEmpty() && id != EmbeddedId);
        m_remove->setEnabled(!id.isEmpty() && id != EmbeddedId);
    });
    m_notice->setWordWrap(true);
    m_allowFile->setToolTip(tr("Without a system keychain, API keys, passwords and logins are otherwise kept "
                               "for this session only."));
    connect(m_allowFile, &QCheckBox::toggled, this, [this](bool allowed) {
        m_secrets->setFileFallbackAllowed(allowed);
        updateNotice();
    });
    connect(m_secrets, &SecretStore::storageChanged, this, &ConnectDialog::updateNotice);

    auto *buttons = new QVBoxLayout;
    buttons->addWidget(m_open);
    buttons->addWidget(add);
    buttons->addWidget(m_edit);
    buttons->addWidget(m_remove);
    buttons->addStretch();
    auto *row = new QHBoxLayout;
    row->addWidget(m_list, 1);
    row->addLayout(buttons);
    auto *close = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(row);
    layout->addWidget(m_notice);
    layout->addWidget(m_allowFile);
    layout->addWidget(close);
    fill();
    m_secrets->probe([this](const auto &) { updateNotice(); });
    updateNotice();
    resize(620, 380);
}

QString ConnectDialog::selectedId() const
{
    const QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(Qt::UserRole).toString() : QString();
}

void ConnectDialog::fill()
{
    const QString selected = selectedId();
    m_list->clear();
    if (m_embedded) {
        auto *item = new QListWidgetItem(tr("Embedded gateway (this console's own, with the demo)"), m_list);
        item->setData(Qt::UserRole, EmbeddedId);
    }
    for (const ConnectionProfile &profile : m_profiles->profiles()) {
        auto *item = new QListWidgetItem(QStringLiteral("%1 — %2 (MQTT %3, %4)")
                                             .arg(profile.name, profile.url.toString(),
                                                  ConnectionProfile::versionName(profile.mqttVersion),
                                                  ConnectionProfile::authKindName(profile.authKind)),
                                         m_list);
        item->setData(Qt::UserRole, profile.id);
    }
    int row = 0;
    for (int i = 0; i < m_list->count(); ++i) {
        if (m_list->item(i)->data(Qt::UserRole).toString() == selected)
            row = i;
    }
    m_list->setCurrentRow(m_list->count() > 0 ? row : -1);
}

void ConnectDialog::addProfile()
{
    ProfileDialog dialog(ConnectionProfile::create(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QString error;
    if (!m_profiles->add(dialog.profile(), &error))
        QMessageBox::warning(this, tr("Not saved"), error);
    fill();
}

void ConnectDialog::editProfile()
{
    const auto profile = m_profiles->profile(selectedId());
    if (!profile)
        return;
    ProfileDialog dialog(*profile, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QString error;
    if (!m_profiles->update(dialog.profile(), &error))
        QMessageBox::warning(this, tr("Not saved"), error);
    fill();
}

void ConnectDialog::removeProfile()
{
    const auto profile = m_profiles->profile(selectedId());
    if (!profile)
        return;
    if (QMessageBox::question(this, tr("Remove connection"),
                              tr("Remove %1 and forget its saved login and secrets?").arg(profile->name)) !=
        QMessageBox::Yes)
        return;
    QString error;
    if (!m_profiles->remove(profile->id, &error))
        QMessageBox::warning(this, tr("Not removed"), error);
    fill();
}

void ConnectDialog::updateNotice()
{
    const QString notice = m_secrets->notice();
    m_notice->setText(notice);
    m_notice->setVisible(!notice.isEmpty());
    const bool noKeychain = m_secrets->storage() == SecretStore::Storage::SessionOnly ||
                            m_secrets->storage() == SecretStore::Storage::InsecureFile;
    m_allowFile->setVisible(noKeychain);
    m_allowFile->blockSignals(true);
    m_allowFile->setChecked(m_secrets->isFileFallbackAllowed());
    m_allowFile->blockSignals(false);
}

} // namespace drover::ui
