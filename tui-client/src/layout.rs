//! Where text goes on the screen, counted in cells: how the screen splits into panes
//! (`screen`), how text wraps by display width (`wrap`), which lines the message pane holds
//! (`messages`), what the input box shows (`input`) and the participant pane's rows
//! (`participants`). Pure arithmetic on the state: `ui` draws by it and `update` scrolls and
//! pages by it, so what is drawn and what is scrolled always agree.

pub mod input;
pub mod lines;
pub mod messages;
pub mod participants;
pub mod screen;
pub mod wrap;
