/** A ConsoleService with only the contacts extension (no phone, no media): its commands through `dispatch`. */
import { ConsoleService } from '../../../electron/services/console-service';
import type { ContactsService } from '../../../electron/services/contacts-service';

export function contactsConsole(contacts: ContactsService, persist?: ConstructorParameters<typeof ConsoleService>[0]['persist']): ConsoleService {
  return new ConsoleService({
    host: 'web',
    createSoftphone: () => {
      throw new Error('no phone in this test');
    },
    createMediaFactory: () => ({
      create: () => {
        throw new Error('unused');
      },
    }),
    extensions: [contacts],
    ...(persist && { persist }),
  });
}
