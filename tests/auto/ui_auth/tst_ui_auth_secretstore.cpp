// Where secrets go: the system keychain when there is one; without one, memory for the
// session (and a notice saying so), or, only after the user's opt-in, the obscured file.
#include "auth/keychainsecretbackend.h"
#include "auth/memorysecretbackend.h"
#include "auth/secretstore.h"
#include "auth/settingssecretbackend.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace drover::ui;

namespace {

const QString Key = QStringLiteral("profiles/6f1c/api-key");
const QString Secret = QStringLiteral("dk_live_Zr8w&x=1+2/3");
const QString NoDbus = QStringLiteral("no Secret Service on D-Bus");

SecretBackend::Result wait(const std::function<void(SecretBackend::Done)> &operation)
{
    bool called = false;
    SecretBackend::Result out;
    operation([&](const SecretBackend::Result &r) {
        called = true;
        out = r;
    });
    if (!QTest::qWaitFor([&called]() { return called; }, 10000))
        out = {SecretBackend::Status::Failed, {}, QStringLiteral("(no answer)")};
    return out;
}

SecretBackend::Result read(SecretStore &s, const QString &key)
{
    return wait([&](SecretBackend::Done d) { s.read(key, d); });
}

SecretBackend::Result write(SecretStore &s, const QString &key, const QString &secret)
{
    return wait([&](SecretBackend::Done d) { s.write(key, secret, d); });
}

bool hasSessionBus()
{
    const QString runtimeDir = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS") ||
           (!runtimeDir.isEmpty() && QFileInfo::exists(runtimeDir + QStringLiteral("/bus")));
}

} // namespace

class SecretStoreTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void keychainKeepsSecrets();
    void noKeychainKeepsSecretsForTheSessionOnly();
    void optInPersistsInTheObscuredFile();
    void optingInLaterMovesTheSessionsSecrets();
    void optingOutDeletesTheFile();
    void keychainThatComesBackTakesTheSecrets();
    void settingsBackendDetails();
    void realKeychainWithoutDbusIsReportedUnavailable();

private:
    QString fallbackFile() const { return m_dir->filePath(QStringLiteral("config/insecure-secrets.ini")); }
    std::unique_ptr<SecretStore> store(bool keychainAvailable, MemorySecretBackend **keychain = nullptr)
    {
        auto backend = std::make_unique<MemorySecretBackend>();
        if (!keychainAvailable)
            backend->setUnavailable(NoDbus);
        if (keychain)
            *keychain = backend.get();
        return std::make_unique<SecretStore>(std::move(backend), fallbackFile());
    }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void SecretStoreTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void SecretStoreTest::keychainKeepsSecrets()
{
    MemorySecretBackend *keychain = nullptr;
    auto s = store(true, &keychain);
    QCOMPARE(s->storage(), SecretStore::Storage::Unknown);
    QSignalSpy changed(s.get(), &SecretStore::storageChanged);
    QCOMPARE(read(*s, Key).status, SecretBackend::Status::NotFound);
    QCOMPARE(s->storage(), SecretStore::Storage::SystemKeychain);
    QCOMPARE(changed.size(), 1);
    QVERIFY(write(*s, Key, Secret).ok());
    QCOMPARE(keychain->entries().value(Key), Secret);
    QCOMPARE(read(*s, Key).secret, Secret);
    QVERIFY(s->notice().isEmpty());
    QVERIFY(s->keychainProblem().isEmpty());
    QVERIFY(wait([&](SecretBackend::Done d) { s->remove(Key, d); }).ok());
    QVERIFY(keychain->entries().isEmpty());
    QVERIFY(!QFile::exists(fallbackFile()));
}

void SecretStoreTest::noKeychainKeepsSecretsForTheSessionOnly()
{
    {
        auto s = store(false);
        QVERIFY(!s->isFileFallbackAllowed());
        QSignalSpy changed(s.get(), &SecretStore::storageChanged);
        QVERIFY(write(*s, Key, Secret).ok()); // accepted, for this session
        QCOMPARE(s->storage(), SecretStore::Storage::SessionOnly);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(s->keychainProblem(), NoDbus);
        QCOMPARE(s->notice(),
                 QStringLiteral(
                     "No system keychain is available (no Secret Service on D-Bus): secrets are not saved, "
                     "and you will have to enter them, or log in, again after restarting the console. You "
                     "can allow storing them in the settings file, readable by anyone with access to your "
                     "account."));
        QCOMPARE(read(*s, Key).secret, Secret);
    }
    // A restart: nothing was persisted anywhere.
    auto s = store(false);
    QCOMPARE(read(*s, Key).status, SecretBackend::Status::NotFound);
    QVERIFY(!QFile::exists(fallbackFile()));
    QVERIFY(QDir(m_dir->path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).isEmpty());
}

void SecretStoreTest::optInPersistsInTheObscuredFile()
{
    {
        auto s = store(false);
        s->setFileFallbackAllowed(true);
        QVERIFY(s->isFileFallbackAllowed());
        QVERIFY(write(*s, Key, Secret).ok());
        QCOMPARE(s->storage(), SecretStore::Storage::InsecureFile);
        QVERIFY2(s->notice().contains(
                     QStringLiteral("saved in %1, obscured but not encrypted").arg(fallbackFile())),
                 qPrintable(s->notice()));
    }
    QVERIFY(QFile::exists(fallbackFile()));
    // Owner only, and the secret is not readable as it is.
    QCOMPARE(QFile::permissions(fallbackFile()) & (QFileDevice::ReadGroup | QFileDevice::ReadOther |
                                                   QFileDevice::WriteGroup | QFileDevice::WriteOther),
             QFileDevice::Permissions());
    QFile file(fallbackFile());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray contents = file.readAll();
    QVERIFY(!contents.contains(Secret.toUtf8()));
    QVERIFY(!contents.contains(QUrl::toPercentEncoding(Secret)));
    QVERIFY(!contents.contains("dk_live"));

    // A restart (still no keychain) finds it.
    auto s = store(false);
    QVERIFY(s->isFileFallbackAllowed());
    QCOMPARE(read(*s, Key).secret, Secret);
    QCOMPARE(s->storage(), SecretStore::Storage::InsecureFile);
}

void SecretStoreTest::optingInLaterMovesTheSessionsSecrets()
{
    {
        auto s = store(false);
        QVERIFY(write(*s, Key, Secret).ok());
        QCOMPARE(s->storage(), SecretStore::Storage::SessionOnly);
        QSignalSpy changed(s.get(), &SecretStore::storageChanged);
        s->setFileFallbackAllowed(true);
        QCOMPARE(s->storage(), SecretStore::Storage::InsecureFile);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(read(*s, Key).secret, Secret);
    }
    auto s = store(false);
    QCOMPARE(read(*s, Key).secret, Secret);
}

void SecretStoreTest::optingOutDeletesTheFile()
{
    auto s = store(false);
    s->setFileFallbackAllowed(true);
    QVERIFY(write(*s, Key, Secret).ok());
    QVERIFY(QFile::exists(fallbackFile()));
    s->setFileFallbackAllowed(false);
    QVERIFY(!QFile::exists(fallbackFile()));
    QCOMPARE(s->storage(), SecretStore::Storage::SessionOnly);
    QCOMPARE(read(*s, Key).secret, Secret); // still there for this session
    auto restarted = store(false);
    QCOMPARE(read(*restarted, Key).status, SecretBackend::Status::NotFound);
}

void SecretStoreTest::keychainThatComesBackTakesTheSecrets()
{
    MemorySecretBackend *keychain = nullptr;
    auto s = store(false, &keychain);
    QVERIFY(write(*s, Key, Secret).ok());
    QCOMPARE(s->storage(), SecretStore::Storage::SessionOnly);
    keychain->setAvailable(); // e.g. the keyring daemon started late
    QVERIFY(wait([&](SecretBackend::Done d) { s->probe(d); }).status == SecretBackend::Status::NotFound);
    QCOMPARE(s->storage(), SecretStore::Storage::SystemKeychain);
    QVERIFY(s->notice().isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(keychain->entries().value(Key), Secret, 5000);
    QCOMPARE(read(*s, Key).secret, Secret);
}

void SecretStoreTest::settingsBackendDetails()
{
    SettingsSecretBackend backend(fallbackFile());
    QVERIFY(!backend.isAllowed());
    const QString slashy = QStringLiteral("a/b%c d");
    QVERIFY(wait([&](SecretBackend::Done d) { backend.write(slashy, QStringLiteral("x"), d); }).ok());
    QVERIFY(wait([&](SecretBackend::Done d) { backend.write(Key, QStringLiteral("ünï"), d); }).ok());
    QCOMPARE(wait([&](SecretBackend::Done d) { backend.read(slashy, d); }).secret, QStringLiteral("x"));
    QCOMPARE(backend.entries().size(), 2);
    QCOMPARE(backend.entries().value(Key), QStringLiteral("ünï"));
    QVERIFY(wait([&](SecretBackend::Done d) { backend.remove(slashy, d); }).ok());
    QCOMPARE(wait([&](SecretBackend::Done d) { backend.read(slashy, d); }).status,
             SecretBackend::Status::NotFound);
    {
        QSettings damage(fallbackFile(), QSettings::IniFormat);
        damage.setValue(QStringLiteral("secrets/") + QString::fromLatin1(QUrl::toPercentEncoding(Key)),
                        QStringLiteral("plain"));
    }
    SettingsSecretBackend reopened(fallbackFile());
    const SecretBackend::Result damaged = wait([&](SecretBackend::Done d) { reopened.read(Key, d); });
    QCOMPARE(damaged.status, SecretBackend::Status::Failed);
    QVERIFY(!damaged.error.contains(QStringLiteral("plain")));
}

void SecretStoreTest::realKeychainWithoutDbusIsReportedUnavailable()
{
    // Only where there is no session bus (CI, containers): elsewhere this would touch the
    // developer's real keychain.
    if (hasSessionBus())
        QSKIP("a D-Bus session bus is present: not touching the real keychain");
    auto backend = std::make_unique<KeychainSecretBackend>(QStringLiteral("drover-test"));
    KeychainSecretBackend *raw = backend.get();
    const SecretBackend::Result direct = wait([&](SecretBackend::Done d) { raw->read(Key, d); });
    QCOMPARE(direct.status, SecretBackend::Status::Unavailable);
    QVERIFY2(direct.error.startsWith(QStringLiteral("no Secret Service on D-Bus")), qPrintable(direct.error));

    SecretStore s(std::move(backend), fallbackFile());
    QVERIFY(wait([&](SecretBackend::Done d) { s.probe(d); }).status == SecretBackend::Status::Unavailable);
    QCOMPARE(s.storage(), SecretStore::Storage::SessionOnly);
    QVERIFY2(
        s.notice().startsWith(QStringLiteral("No system keychain is available (no Secret Service on D-Bus")),
        qPrintable(s.notice()));
    QVERIFY(write(s, Key, Secret).ok());
    QCOMPARE(read(s, Key).secret, Secret);
    QVERIFY(!QFile::exists(fallbackFile()));
}

QTEST_GUILESS_MAIN(SecretStoreTest)
#include "tst_ui_auth_secretstore.moc"
