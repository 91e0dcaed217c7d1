// The app's version, from package.json (bundled by electron-vite, read by tsx).
import pkg from '../../package.json';

export const appVersion: string = pkg.version;
export const appName: string = pkg.productName;
