/**
 * Who the simulated Windows guest says it is: answers shaped like those qemu-ga for
 * Windows gives, from field samples where there are any. Fields the
 * agent reads through ANSI APIs (WTS user names, the registry's ProductName, mount paths)
 * carry U+FFFD where the real ones lose non-ASCII characters.
 * @module
 */
import { ZERO_STATS } from '../commands/basic.js';
import type { GuestNetworkInterface, GuestOsInfo, GuestUser } from '../types.js';

/** The Windows editions the simulation can be. */
export type WindowsEdition = 'server-2022' | 'windows-11';

/** NetBIOS name: upper case, at most 15 characters. */
export const WINDOWS_HOST_NAME = 'WIN-7Q2L0K4S1HD';

/** `guest-get-osinfo` per edition: the Server 2022 sample as seen in the field; Windows 11 with its registry ProductName that still says "Windows 10". */
export const WINDOWS_OS_INFO: Readonly<Record<WindowsEdition, GuestOsInfo>> = {
  'server-2022': {
    name: 'Microsoft Windows',
    'kernel-release': '20348',
    version: 'Microsoft Windows Server 2022',
    variant: 'server',
    'pretty-name': 'Windows Server 2022 Standard',
    'version-id': '2022',
    'variant-id': 'server',
    'kernel-version': '10.0',
    machine: 'x86_64',
    id: 'mswindows',
  },
  'windows-11': {
    name: 'Microsoft Windows',
    'kernel-release': '22631',
    version: 'Microsoft Windows 11',
    variant: 'client',
    'pretty-name': 'Windows 10 Pro',
    'version-id': '11',
    'variant-id': 'client',
    'kernel-version': '10.0',
    machine: 'x86_64',
    id: 'mswindows',
  },
};

/** `guest-get-users`: WTS sessions, one per user, with the domain; the second name lost its 'ü' to the ANSI API. */
export function windowsUsers(hostName: string, loginTime: number): GuestUser[] {
  return [
    { user: 'Administrator', domain: hostName, 'login-time': loginTime },
    { user: 'J\uFFFDrgen', domain: hostName, 'login-time': loginTime + 3600.5 },
  ];
}

/** `guest-network-get-interfaces`: FriendlyNames, a zoned link-local address, a loopback without MAC. */
export const WINDOWS_INTERFACES: readonly GuestNetworkInterface[] = [
  {
    name: 'Ethernet',
    'hardware-address': '52:54:00:8a:4f:21',
    'ip-addresses': [
      { 'ip-address': 'fe80::a1b2:c3d4:e5f6:1234%6', 'ip-address-type': 'ipv6', prefix: 64 },
      { 'ip-address': '192.168.122.45', 'ip-address-type': 'ipv4', prefix: 24 },
    ],
    statistics: { ...ZERO_STATS, 'rx-bytes': 1_234_567, 'rx-packets': 2345, 'tx-bytes': 345_678, 'tx-packets': 1234 },
  },
  {
    name: 'Loopback Pseudo-Interface 1',
    'ip-addresses': [
      { 'ip-address': '::1', 'ip-address-type': 'ipv6', prefix: 128 },
      { 'ip-address': '127.0.0.1', 'ip-address-type': 'ipv4', prefix: 8 },
    ],
    statistics: ZERO_STATS,
  },
];

const PCI_CONTROLLER = { domain: 0, bus: 0, slot: 4, function: 0 };
const DISK = { 'pci-controller': PCI_CONTROLLER, 'bus-type': 'scsi', bus: 0, target: 0, unit: 0, serial: 'QM00001', dev: '\\\\.\\PhysicalDrive0' };

/** `guest-get-fsinfo`: two letterless "System Reserved" volumes, then C:\ last, as the agent lists them. */
export const WINDOWS_FSINFO = [
  { name: '\\\\?\\Volume{5d3a1f0e-0000-0000-0000-100000000000}\\', mountpoint: 'System Reserved', type: 'NTFS', 'used-bytes': 33_554_432, 'total-bytes': 104_853_504, disk: [DISK] },
  { name: '\\\\?\\Volume{5d3a1f0e-0000-0000-0000-501f00000000}\\', mountpoint: 'System Reserved', type: 'NTFS', 'used-bytes': 491_520_000, 'total-bytes': 560_721_920, disk: [DISK] },
  { name: '\\\\?\\Volume{5d3a1f0e-0000-0000-0000-602300000000}\\', mountpoint: 'C:\\', type: 'NTFS', 'used-bytes': 18_253_611_008, 'total-bytes': 63_781_318_656, disk: [DISK] },
] as const;


/** `guest-get-disks`: no partitions, no dependencies, no SMART. */
export const WINDOWS_DISKS = [{ name: '\\\\.\\PhysicalDrive0', partition: false, address: DISK }] as const;

/** `guest-get-devices`: the virtio devices, with driver name, date (ns) and version. */
export const WINDOWS_DEVICES = [
  { 'driver-name': 'Red Hat VirtIO SCSI controller', 'driver-date': 1_719_792_000_000_000_000, 'driver-version': '100.95.104.26200', id: { type: 'pci', 'vendor-id': 0x1af4, 'device-id': 0x1048 } },
  { 'driver-name': 'Red Hat VirtIO Ethernet Adapter', 'driver-date': 1_719_792_000_000_000_000, 'driver-version': '100.95.104.26200', id: { type: 'pci', 'vendor-id': 0x1af4, 'device-id': 0x1041 } },
  { 'driver-name': 'VirtIO Serial Driver', 'driver-date': 1_719_792_000_000_000_000, 'driver-version': '100.95.104.26200', id: { type: 'pci', 'vendor-id': 0x1af4, 'device-id': 0x1043 } },
] as const;

/** `guest-get-vcpus`: group 0 only, never offlinable. */
export const WINDOWS_VCPUS = [
  { 'logical-id': 0, online: true, 'can-offline': false },
  { 'logical-id': 1, online: true, 'can-offline': false },
] as const;

/**
 * The environment of the QEMU-GA service (LocalSystem), which every guest process
 * inherits unless `env` replaces it.
 */
export function serviceEnvironment(hostName: string): Record<string, string> {
  return {
    ALLUSERSPROFILE: 'C:\\ProgramData',
    CommonProgramFiles: 'C:\\Program Files\\Common Files',
    COMPUTERNAME: hostName,
    ComSpec: 'C:\\Windows\\system32\\cmd.exe',
    NUMBER_OF_PROCESSORS: '2',
    OS: 'Windows_NT',
    Path: 'C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\',
    PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC',
    PROCESSOR_ARCHITECTURE: 'AMD64',
    ProgramData: 'C:\\ProgramData',
    ProgramFiles: 'C:\\Program Files',
    PSModulePath: '%ProgramFiles%\\WindowsPowerShell\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules',
    PUBLIC: 'C:\\Users\\Public',
    SystemDrive: 'C:',
    SystemRoot: 'C:\\Windows',
    TEMP: 'C:\\Windows\\TEMP',
    TMP: 'C:\\Windows\\TEMP',
    USERDOMAIN: 'WORKGROUP',
    USERNAME: `${hostName}$`,
    USERPROFILE: 'C:\\Windows\\system32\\config\\systemprofile',
    windir: 'C:\\Windows',
  };
}
