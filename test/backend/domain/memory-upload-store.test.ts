import { MemoryUploadStore } from '../../fakes/memory-upload-store.js';
import { uploadStoreContract } from '../../contracts/upload-store.contract.js';

uploadStoreContract('MemoryUploadStore', () => new MemoryUploadStore());
