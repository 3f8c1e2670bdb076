export { collect } from '@team-inbox/core/event-store/collect';
