/**
 * The texts a Windows guest shows in its UI language: system messages (what
 * `FormatMessageW` gives for a Win32 error, which qemu-ga for Windows appends to its own
 * English prefix, `error_setg_win32`) and the console tools' output. The simulated
 * Windows agent speaks English or German, so tests can prove that nothing in the client
 * parses them.
 * @module
 */

/** The UI languages the simulated Windows guest speaks. */
export type WindowsLocale = 'en' | 'de';

/** Win32 errors the simulation produces. */
export type Win32Error =
  | 'FILE_NOT_FOUND'
  | 'PATH_NOT_FOUND'
  | 'ACCESS_DENIED'
  | 'SHARING_VIOLATION'
  | 'BAD_NETPATH'
  | 'NO_SYSTEM_RESOURCES'
  | 'DISK_FULL'
  | 'USER_NOT_FOUND'
  | 'INVALID_PARAMETER';

const MESSAGES: Readonly<Record<WindowsLocale, Readonly<Record<Win32Error, string>>>> = {
  en: {
    FILE_NOT_FOUND: 'The system cannot find the file specified.',
    PATH_NOT_FOUND: 'The system cannot find the path specified.',
    ACCESS_DENIED: 'Access is denied.',
    SHARING_VIOLATION: 'The process cannot access the file because it is being used by another process.',
    BAD_NETPATH: 'The network path was not found.',
    NO_SYSTEM_RESOURCES: 'Insufficient system resources exist to complete the requested service.',
    DISK_FULL: 'There is not enough space on the disk.',
    USER_NOT_FOUND: 'The user name could not be found.',
    INVALID_PARAMETER: 'The parameter is incorrect.',
  },
  de: {
    FILE_NOT_FOUND: 'Das System kann die angegebene Datei nicht finden.',
    PATH_NOT_FOUND: 'Das System kann den angegebenen Pfad nicht finden.',
    ACCESS_DENIED: 'Zugriff verweigert',
    SHARING_VIOLATION: 'Der Prozess kann nicht auf die Datei zugreifen, da sie von einem anderen Prozess verwendet wird.',
    BAD_NETPATH: 'Der Netzwerkpfad wurde nicht gefunden.',
    NO_SYSTEM_RESOURCES: 'Nicht genügend Systemressourcen, um den angeforderten Dienst auszuführen.',
    DISK_FULL: 'Auf dem Datenträger ist nicht genügend Speicherplatz vorhanden.',
    USER_NOT_FOUND: 'Der Benutzername konnte nicht gefunden werden.',
    INVALID_PARAMETER: 'Falscher Parameter.',
  },
};

/** The system message for `error` in `locale`. */
export function win32Message(locale: WindowsLocale, error: Win32Error): string {
  return MESSAGES[locale][error];
}

/** Console tools' texts, by locale. */
export interface ToolTexts {
  activeCodePage(page: number): string;
  invalidCodePage: string;
  notRecognized(name: string): string;
  whoami: string;
  pingUnknownHost(host: string): string;
  taskkillDone(pid: number, parent: number): string;
  taskkillNotFound(pid: number): string;
  regNotFound: string;
  timeoutNoRedirect: string;
  echoState(on: boolean): string;
  syntaxError: string;
  timeZone: string;
}

export const TOOL_TEXTS: Readonly<Record<WindowsLocale, ToolTexts>> = {
  en: {
    activeCodePage: (page) => `Active code page: ${page}`,
    invalidCodePage: 'Invalid code page',
    notRecognized: (name) => `'${name}' is not recognized as an internal or external command,\r\noperable program or batch file.`,
    whoami: 'nt authority\\system',
    pingUnknownHost: (host) => `Ping request could not find host ${host}. Please check the name and try again.`,
    taskkillDone: (pid, parent) => `SUCCESS: The process with PID ${pid} (child process of PID ${parent}) has been terminated.`,
    taskkillNotFound: (pid) => `ERROR: The process "${pid}" not found.`,
    regNotFound: 'ERROR: The system was unable to find the specified registry key or value.',
    timeoutNoRedirect: 'ERROR: Input redirection is not supported, exiting the process immediately.',
    echoState: (on) => `ECHO is ${on ? 'on' : 'off'}.`,
    syntaxError: 'The syntax of the command is incorrect.',
    timeZone: 'W. Europe Standard Time',
  },
  de: {
    activeCodePage: (page) => `Aktive Codepage: ${page}.`,
    invalidCodePage: 'Ungültige Codepage',
    notRecognized: (name) => `Der Befehl "${name}" ist entweder falsch geschrieben oder\r\nkonnte nicht gefunden werden.`,
    whoami: 'nt-autorität\\system',
    pingUnknownHost: (host) => `Ping-Anforderung konnte Host "${host}" nicht finden. Überprüfen Sie den Namen, und versuchen Sie es erneut.`,
    taskkillDone: (pid, parent) => `ERFOLGREICH: Der Prozess mit PID ${pid} (untergeordneter Prozess von PID ${parent}) wurde beendet.`,
    taskkillNotFound: (pid) => `FEHLER: Der Prozess "${pid}" wurde nicht gefunden.`,
    regNotFound: 'FEHLER: Der angegebene Registrierungsschlüssel bzw. Wert wurde nicht gefunden.',
    timeoutNoRedirect: 'FEHLER: Eingabeumleitung wird nicht unterstützt. Der Prozess wird sofort beendet.',
    echoState: (on) => `ECHO ist ${on ? 'eingeschaltet (ON)' : 'ausgeschaltet (OFF)'}.`,
    syntaxError: 'Die Syntax für den Befehl ist falsch.',
    timeZone: 'Mitteleuropäische Zeit',
  },
};
