// The saved connection profiles: a round trip through the settings file, the change signals,
// what the store refuses, and that no secret ever lands in the file.
#include "auth/connectionprofile.h"
#include "auth/memorysecretbackend.h"
#include "auth/profilestore.h"
#include "auth/secretstore.h"

#include <QFile>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace drover::ui;

namespace {

const QString ApiKey = QStringLiteral("dk_live_7Qm2xVbT9pLw4RsNcE6u");
const QString Password = QStringLiteral("correct horse battery staple");
const QString RefreshSession = QStringLiteral(R"({"refresh_token":"rt-9c1f8e5a7b3d4f60a2e1"})");

QList<ConnectionProfile> sampleProfiles()
{
    ConnectionProfile anonymous = ConnectionProfile::create(QStringLiteral("Demo on this machine"));
    anonymous.url = QUrl(QStringLiteral("mqtt://127.0.0.1:1883"));
    anonymous.mqttVersion = ConnectionProfile::MqttVersion::V311;
    anonymous.clientId = QStringLiteral("console-1");

    ConnectionProfile oauth = ConnectionProfile::create(QStringLiteral("Drogue cloud (SSO)"));
    oauth.url = QUrl(QStringLiteral("wss://mqtt-integration.example.com/mqtt"));
    oauth.authKind = ConnectionProfile::AuthKind::OAuth2;
    oauth.issuer = QUrl(QStringLiteral("https://sso.example.com/realms/drogue"));
    oauth.oauthClientId = QStringLiteral("drover-console");
    oauth.scopes = {QStringLiteral("profile"), QStringLiteral("email")};
    oauth.audience = QStringLiteral("https://api.example.com/");
    oauth.tokenPlacement = ConnectionProfile::TokenPlacement::Password;

    ConnectionProfile key = ConnectionProfile::create(QStringLiteral("Lab with API key"));
    key.url = QUrl(QStringLiteral("mqtts://lab.example.com:8883"));
    key.authKind = ConnectionProfile::AuthKind::ApiKey;
    key.username = QStringLiteral("bob");

    ConnectionProfile password = ConnectionProfile::create(QStringLiteral("Ünïcödé & friends"));
    password.url = QUrl(QStringLiteral("ws://127.0.0.1:8080/mqtt"));
    password.authKind = ConnectionProfile::AuthKind::Password;
    password.username = QStringLiteral("carol");
    return {anonymous, oauth, key, password};
}

} // namespace

class ProfileStoreTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void roundTrip();
    void signalsAndEdits();
    void refusesWhatCantBeSaved();
    void addGivesAnIdWhenThereIsNone();
    void noSecretInTheSettingsFile_data();
    void noSecretInTheSettingsFile();
    void removingAProfileForgetsItsSecrets();
    void unknownValuesLoadAsDefaults();

private:
    QString settingsFile() const { return m_dir->filePath(QStringLiteral("drover.ini")); }
    std::unique_ptr<QTemporaryDir> m_dir;
};

void ProfileStoreTest::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void ProfileStoreTest::roundTrip()
{
    const QList<ConnectionProfile> profiles = sampleProfiles();
    {
        ProfileStore store(settingsFile());
        QVERIFY(store.profiles().isEmpty());
        for (const ConnectionProfile &p : profiles) {
            QString error;
            QVERIFY2(store.add(p, &error), qPrintable(error));
        }
        QCOMPARE(store.profiles(), profiles);
    }
    ProfileStore reopened(settingsFile());
    QCOMPARE(reopened.fileName(), settingsFile());
    QCOMPARE(reopened.profiles(), profiles); // same values, same order
    QCOMPARE(reopened.profile(profiles.at(1).id)->audience, QStringLiteral("https://api.example.com/"));
    QVERIFY(!reopened.profile(QStringLiteral("nope")));
}

void ProfileStoreTest::signalsAndEdits()
{
    const QList<ConnectionProfile> profiles = sampleProfiles();
    ProfileStore store(settingsFile());
    QSignalSpy added(&store, &ProfileStore::profileAdded);
    QSignalSpy updated(&store, &ProfileStore::profileUpdated);
    QSignalSpy removed(&store, &ProfileStore::profileRemoved);
    QSignalSpy changed(&store, &ProfileStore::profilesChanged);
    for (const ConnectionProfile &p : profiles)
        QVERIFY(store.add(p));
    QCOMPARE(added.size(), profiles.size());
    QCOMPARE(added.at(2).at(0).toString(), profiles.at(2).id);

    ConnectionProfile edited = profiles.at(2);
    edited.url = QUrl(QStringLiteral("mqtts://other.example.com"));
    edited.mqttVersion = ConnectionProfile::MqttVersion::V311;
    QVERIFY(store.update(edited));
    QCOMPARE(updated.size(), 1);
    QVERIFY(store.update(edited)); // unchanged: no signal
    QCOMPARE(updated.size(), 1);

    QVERIFY(store.move(profiles.at(3).id, 0));
    QVERIFY(store.remove(profiles.at(0).id));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(changed.size(), profiles.size() + 3);

    ProfileStore reopened(settingsFile());
    QCOMPARE(reopened.profiles(), (QList<ConnectionProfile>{profiles.at(3), profiles.at(1), edited}));

    // Another instance changed the file: reload() sees it.
    QVERIFY(reopened.remove(profiles.at(1).id));
    QSignalSpy reloaded(&store, &ProfileStore::profilesChanged);
    store.reload();
    QCOMPARE(reloaded.size(), 1);
    QCOMPARE(store.profiles(), (QList<ConnectionProfile>{profiles.at(3), edited}));
}

void ProfileStoreTest::refusesWhatCantBeSaved()
{
    const QList<ConnectionProfile> profiles = sampleProfiles();
    ProfileStore store(settingsFile());
    QVERIFY(store.add(profiles.at(0)));
    QString error;

    ConnectionProfile sameName = profiles.at(1);
    sameName.name = QStringLiteral("demo ON this machine ");
    QVERIFY(!store.add(sameName, &error));
    QCOMPARE(error, QStringLiteral("A profile named \"Demo on this machine\" exists already."));

    QVERIFY(!store.add(profiles.at(0), &error));
    QCOMPARE(error, QStringLiteral("A profile with this id exists already."));

    ConnectionProfile invalid = profiles.at(1);
    invalid.mqttVersion = ConnectionProfile::MqttVersion::V311; // token as password needs 5
    QVERIFY(!store.add(invalid, &error));
    QVERIFY2(error.contains(QStringLiteral("needs MQTT 5")), qPrintable(error));
    QVERIFY(!store.update(invalid, &error));
    QCOMPARE(error, QStringLiteral("There is no profile with this id (was it removed?)."));

    ConnectionProfile broken = profiles.at(0);
    broken.url = QUrl(QStringLiteral("https://wrong.example.com"));
    QVERIFY(!store.update(broken, &error));
    QVERIFY2(error.contains(QStringLiteral("must start with mqtt://")), qPrintable(error));
    QVERIFY(!store.remove(QStringLiteral("unknown"), &error));
    QCOMPARE(store.profiles().size(), 1);
    QCOMPARE(store.profiles().first(), profiles.at(0));
}

void ProfileStoreTest::addGivesAnIdWhenThereIsNone()
{
    ProfileStore store(settingsFile());
    ConnectionProfile p = sampleProfiles().at(0);
    p.id.clear();
    ConnectionProfile saved;
    QVERIFY(store.add(p, nullptr, &saved));
    QCOMPARE(saved.id.size(), 36);
    QCOMPARE(store.profiles().first().id, saved.id);
}

void ProfileStoreTest::noSecretInTheSettingsFile_data()
{
    QTest::addColumn<bool>("keychainAvailable");
    QTest::addColumn<bool>("fileFallbackAllowed");
    QTest::newRow("keychain") << true << false;
    QTest::newRow("no keychain") << false << false;
    QTest::newRow("no keychain, file allowed") << false << true;
}

void ProfileStoreTest::noSecretInTheSettingsFile()
{
    QFETCH(bool, keychainAvailable);
    QFETCH(bool, fileFallbackAllowed);
    const QList<ConnectionProfile> profiles = sampleProfiles();
    auto keychain = std::make_unique<MemorySecretBackend>();
    if (!keychainAvailable)
        keychain->setUnavailable(QStringLiteral("no Secret Service on D-Bus"));
    const QString fallbackFile = m_dir->filePath(QStringLiteral("insecure-secrets.ini"));
    SecretStore secrets(std::move(keychain), fallbackFile);
    secrets.setFileFallbackAllowed(fileFallbackAllowed);

    ProfileStore store(settingsFile());
    store.setSecretStore(&secrets);
    for (const ConnectionProfile &p : profiles)
        QVERIFY(store.add(p));
    int written = 0;
    auto count = [&written](const SecretBackend::Result &r) { written += r.ok() ? 1 : 0; };
    secrets.write(profiles.at(2).secretKey(ConnectionProfile::Secret::ApiKey), ApiKey, count);
    secrets.write(profiles.at(3).secretKey(ConnectionProfile::Secret::Password), Password, count);
    secrets.write(profiles.at(1).secretKey(ConnectionProfile::Secret::OAuth2Session), RefreshSession, count);
    QTRY_COMPARE_WITH_TIMEOUT(written, 3, 5000);

    QFile file(settingsFile());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray contents = file.readAll();
    QVERIFY(contents.contains("Lab with API key")); // the profiles are there...
    for (const QString &secret : {ApiKey, Password, QStringLiteral("rt-9c1f8e5a7b3d4f60a2e1")}) {
        // ...their secrets are not, in any encoding QSettings might choose.
        QVERIFY2(!contents.contains(secret.toUtf8()), qPrintable(secret));
        QVERIFY(!contents.contains(QUrl::toPercentEncoding(secret)));
        QVERIFY(!contents.contains(secret.toUtf8().toBase64()));
    }
    // The fallback file exists only when allowed, and doesn't show the secrets either.
    QCOMPARE(QFile::exists(fallbackFile), fileFallbackAllowed);
    if (fileFallbackAllowed) {
        QFile fallback(fallbackFile);
        QVERIFY(fallback.open(QIODevice::ReadOnly));
        const QByteArray obscured = fallback.readAll();
        QVERIFY(obscured.contains("obscured-v1"));
        QVERIFY(!obscured.contains(ApiKey.toUtf8()));
        QVERIFY(!obscured.contains(Password.toUtf8()));
        QVERIFY(!obscured.contains("rt-9c1f8e5a7b3d4f60a2e1"));
    }
}

void ProfileStoreTest::removingAProfileForgetsItsSecrets()
{
    const QList<ConnectionProfile> profiles = sampleProfiles();
    auto keychain = std::make_unique<MemorySecretBackend>();
    MemorySecretBackend *kc = keychain.get();
    SecretStore secrets(std::move(keychain), m_dir->filePath(QStringLiteral("fallback.ini")));
    ProfileStore store(settingsFile());
    store.setSecretStore(&secrets);
    QVERIFY(store.add(profiles.at(2)));
    QVERIFY(store.add(profiles.at(3)));
    bool done = false;
    secrets.write(profiles.at(2).secretKey(ConnectionProfile::Secret::ApiKey), ApiKey);
    secrets.write(profiles.at(3).secretKey(ConnectionProfile::Secret::Password), Password,
                  [&done](const SecretBackend::Result &) { done = true; });
    QTRY_VERIFY_WITH_TIMEOUT(done, 5000);
    QCOMPARE(kc->entries().size(), 2);
    QVERIFY(store.remove(profiles.at(2).id));
    QTRY_COMPARE_WITH_TIMEOUT(kc->entries().size(), 1, 5000);
    QVERIFY(kc->entries().contains(profiles.at(3).secretKey(ConnectionProfile::Secret::Password)));
}

void ProfileStoreTest::unknownValuesLoadAsDefaults()
{
    const ConnectionProfile p = sampleProfiles().at(0);
    {
        ProfileStore store(settingsFile());
        QVERIFY(store.add(p));
    }
    {
        QSettings s(settingsFile(), QSettings::IniFormat);
        s.setValue(QStringLiteral("profiles/%1/mqttVersion").arg(p.id), QStringLiteral("7"));
        s.setValue(QStringLiteral("profiles/%1/auth").arg(p.id), QStringLiteral("kerberos"));
    }
    ProfileStore store(settingsFile());
    QCOMPARE(store.profiles().size(), 1);
    QCOMPARE(store.profiles().first().mqttVersion, ConnectionProfile::MqttVersion::V5);
    QCOMPARE(store.profiles().first().authKind, ConnectionProfile::AuthKind::Anonymous);
}

QTEST_GUILESS_MAIN(ProfileStoreTest)
#include "tst_ui_auth_profilestore.moc"
