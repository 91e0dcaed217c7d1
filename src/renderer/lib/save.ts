// Saving an export: through the desktop door's native save dialog when the lab bridge offers
// `saveFile` (Electron), else as a browser download (an <a download> of a Blob URL).
import type { SaveFileRequest } from '../../shared/api';
import type { LabBridge } from '../../shared/bridge';

/** A file to save: name, content (UTF-8 text, or base64 for binary) and its MIME type. */
export interface ExportFile extends SaveFileRequest {
  mime: string;
}

/** What became of a save: where it went, or that the user cancelled. */
export type SaveOutcome = { saved: true; where: string } | { saved: false };

/** The bytes of a base64 text. */
export function base64Bytes(data: string): Uint8Array {
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Offers the file as a browser download. */
export function browserDownload(file: ExportFile, doc: Document = document): void {
  const body = file.encoding === 'base64' ? base64Bytes(file.data) : file.data;
  const url = URL.createObjectURL(new Blob([body as BlobPart], { type: file.mime }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = file.fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** Saves with the bridge's native dialog when it has one, else downloads. */
export async function saveExport(
  bridge: Pick<LabBridge, 'saveFile'>,
  file: ExportFile,
  download: (file: ExportFile) => void = browserDownload,
): Promise<SaveOutcome> {
  if (typeof bridge.saveFile === 'function') {
    const result = await bridge.saveFile({ fileName: file.fileName, data: file.data, encoding: file.encoding });
    return result.saved ? { saved: true, where: result.path } : { saved: false };
  }
  download(file);
  return { saved: true, where: `downloads (${file.fileName})` };
}
